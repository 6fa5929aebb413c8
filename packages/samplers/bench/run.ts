// The samplers benchmarks: `pnpm --filter @polymodal/samplers bench [speed] [b1] [bridge] [b2] [b3] [b4] [b5]`
// (default all). BENCH_SECONDS sets the timing budget per speed row (default 3).
import { b1Bench } from './b1.js';
import { b2Bench } from './b2.js';
import { b3Bench } from './b3.js';
import { b4Bench } from './b4.js';
import { b5Bench } from './b5.js';
import { bridgeBench } from './bridge.js';
import { speedBench } from './speed.js';

const wanted = new Set(process.argv.slice(2));
const all = wanted.size === 0;
if (all || wanted.has('speed')) await speedBench(Number(process.env.BENCH_SECONDS ?? 3));
if (all || wanted.has('b1')) await b1Bench();
if (all || wanted.has('bridge')) await bridgeBench();
if (all || wanted.has('b2')) await b2Bench();
if (all || wanted.has('b3')) await b3Bench();
if (all || wanted.has('b4')) await b4Bench();
if (all || wanted.has('b5')) await b5Bench();
