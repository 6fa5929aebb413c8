// The flow benchmarks: `pnpm --filter @polymodal/flow bench [speed] [toys] [saddle] [letters]`
// (default all). BENCH_SECONDS sets the timing budget per speed row (default 3); BENCH_SCALE=paper
// runs the longer budgets.
import { lettersBench } from './letters.js';
import { saddleNodeBench } from './saddle_node.js';
import { speedBench } from './speed.js';
import { toysBench } from './toys.js';

const wanted = new Set(process.argv.slice(2));
const all = wanted.size === 0;
if (all || wanted.has('speed')) await speedBench(Number(process.env.BENCH_SECONDS ?? 3));
if (all || wanted.has('toys')) await toysBench();
if (all || wanted.has('saddle')) await saddleNodeBench();
if (all || wanted.has('letters')) await lettersBench();
