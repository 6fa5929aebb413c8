// The active-learning benchmarks: `pnpm --filter @polymodal/active bench [speed] [study]`
// (default both). See each file for its environment variables.
import { speedBench } from './speed.js';
import { studyBench } from './study.js';

const wanted = new Set(process.argv.slice(2));
const all = wanted.size === 0;
if (all || wanted.has('speed')) await speedBench();
if (all || wanted.has('study')) await studyBench();
