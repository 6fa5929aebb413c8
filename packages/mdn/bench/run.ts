// The MDN benchmarks: `pnpm --filter @polymodal/mdn bench [speed] [sine] [saddle]` (default all).
// BENCH_SECONDS sets the timing budget per speed row (default 3); BENCH_SCALE=paper runs the
// reproductions at the paper's scale (hours on wasm).
import { saddleSweep, sineAblation } from './reproduce.js';
import { speedBench } from './speed.js';

const wanted = new Set(process.argv.slice(2));
const all = wanted.size === 0;
const seconds = Number(process.env.BENCH_SECONDS ?? 3);
if (all || wanted.has('speed')) await speedBench(seconds);
if (all || wanted.has('sine')) await sineAblation();
if (all || wanted.has('saddle')) await saddleSweep();
