// The MDN benchmarks: `pnpm --filter @polymodal/mdn bench [speed] [sine] [saddle]` (default all).
// BENCH_SECONDS sets the timing budget per speed row (default 3).
import { speedBench } from './speed.js';

const wanted = new Set(process.argv.slice(2));
const all = wanted.size === 0;
const seconds = Number(process.env.BENCH_SECONDS ?? 3);
if (all || wanted.has('speed')) await speedBench(seconds);
