// The study's problems at reduced scale (spec §6 gives the paper's): what changes is stated here.
import { type ConditionalBenchmark, multimodalConditional, ternaryPhases } from '@polymodal/datasets';
import type { MdnEnsembleTrainerOptions } from '../src/index.js';

export interface StudyProblem {
  key: string;
  bench: ConditionalBenchmark;
  pool: number;
  test: number;
  initial: number;
  rounds: number;
  batchSize: number;
  trainer: MdnEnsembleTrainerOptions;
  /** The paper's scale, for the README. */
  paper: string;
}

export const PROBLEMS: Record<string, () => StudyProblem> = {
  multimodal: () => ({
    key: 'multimodal',
    bench: multimodalConditional(),
    pool: 5000,
    test: 1000,
    initial: 100,
    rounds: 8,
    batchSize: 50,
    // Paper: E = 8, 128 × 2, cap 10 000, 10 per sample.
    trainer: {
      members: 4,
      components: 5,
      hiddenUnits: [64, 64],
      batchSize: 128,
      maxIterations: 2000,
      iterationsPerSample: 5,
      learningRate: 5e-4,
      weightDecay: 1e-2,
    },
    paper: 'pool 50 000, test 2 000, 100 + 20 × 50, E = 8, 128 × 2, ≤ 10 000 iterations (10 per label)',
  }),
  ternary: () => ({
    key: 'ternary',
    bench: ternaryPhases(),
    pool: 5000,
    test: 1000,
    initial: 100,
    rounds: 10,
    batchSize: 15,
    // Paper: E = 8, 64 × 2, cap 40 000, 200 per sample, at least 2000.
    trainer: {
      members: 4,
      components: 4,
      hiddenUnits: [64, 64],
      batchSize: 64,
      maxIterations: 3000,
      iterationsPerSample: 12,
      minIterations: 1500,
      learningRate: 2e-4,
      weightDecay: 5e-2,
    },
    paper:
      'pool 50 000, test 2 000, 100 + 30 × 15, E = 8, 64 × 2, ≤ 40 000 iterations (200 per label, ≥ 2000)',
  }),
};
