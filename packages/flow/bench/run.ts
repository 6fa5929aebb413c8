// The flow benchmarks: `pnpm --filter @polymodal/flow bench [toys] [letters]` (default all).
// BENCH_SCALE=paper runs the longer budgets.
import { lettersBench } from './letters.js';
import { toysBench } from './toys.js';

const wanted = new Set(process.argv.slice(2));
const all = wanted.size === 0;
if (all || wanted.has('toys')) await toysBench();
if (all || wanted.has('letters')) await lettersBench();
