import { assertPositiveInteger, assertSeed, Rng, ValueError } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { hostRows, MAX_SAMPLES, type RegressionData, regressionData } from './dataset.js';

/**
 * A conditional benchmark for active learning (active-learning spec §7): an input distribution
 * `p(x)`, a simulator or exact conditional `p(y | x)` to label inputs with (the oracle), and the
 * exact conditional log density where one exists. The problem itself (its random matrices) is
 * fixed when the benchmark is built; `seed` arguments only choose the draws. Holds no tensors.
 */
export interface ConditionalBenchmark {
  /** Short name, e.g. `'multimodal conditional'`. */
  readonly name: string;
  /** Width of x. */
  readonly inputDim: number;
  /** Width of y. */
  readonly outputDim: number;
  /** Draws inputs `x ~ p(x)`: `[n, inputDim]` (caller disposes). */
  sampleInputs(n: number, seed: number): tf.Tensor2D;
  /** Labels inputs: one draw `y ~ p(y | x)` per row, `[N, outputDim]` (caller disposes). */
  sampleTargets(x: tf.Tensor2D | number[][], seed: number): tf.Tensor2D;
  /** Inputs and their labels together (`seed` drives both). */
  sample(n: number, seed: number): RegressionData;
  /** The exact `log p(y | x)` in nats, `[N]` (caller disposes); absent when there is none. */
  readonly logProb?: (x: tf.Tensor2D | number[][], y: tf.Tensor2D | number[][]) => tf.Tensor1D;
}

/** How a benchmark draws: inputs, and targets from host rows of inputs. */
export interface BenchmarkDraws {
  name: string;
  inputDim: number;
  outputDim: number;
  inputs(n: number, rng: Rng): Float64Array;
  targets(x: Float64Array, rng: Rng): Float64Array;
  logProb?: (x: Float64Array, y: Float64Array) => Float64Array;
}

/** Wraps host generators as a {@link ConditionalBenchmark}, with validation at its boundary. */
export function conditionalBenchmark(draws: BenchmarkDraws): ConditionalBenchmark {
  const { name, inputDim, outputDim } = draws;
  const rngOf = (seed: number, what: string) => {
    assertSeed(seed, `${name} ${what}: seed`);
    return new Rng(seed);
  };
  const count = (n: number, what: string) => assertPositiveInteger(n, `${name} ${what}: n`, MAX_SAMPLES);
  const toTensor = (v: Float64Array, dim: number) => tf.tensor2d(Float32Array.from(v), [v.length / dim, dim]);
  const benchmark: ConditionalBenchmark = {
    name,
    inputDim,
    outputDim,
    sampleInputs(n, seed) {
      count(n, 'sampleInputs');
      return toTensor(draws.inputs(n, rngOf(seed, 'sampleInputs')), inputDim);
    },
    sampleTargets(x, seed) {
      const rows = hostRows(x, inputDim, `${name} sampleTargets: x`);
      return toTensor(draws.targets(rows, rngOf(seed, 'sampleTargets')), outputDim);
    },
    sample(n, seed) {
      count(n, 'sample');
      const rng = rngOf(seed, 'sample');
      const x = draws.inputs(n, rng.fold('inputs'));
      return regressionData(x, inputDim, draws.targets(x, rng.fold('targets')), outputDim);
    },
  };
  const exact = draws.logProb;
  if (exact === undefined) return benchmark;
  return {
    ...benchmark,
    logProb(x, y) {
      const xs = hostRows(x, inputDim, `${name} logProb: x`);
      const ys = hostRows(y, outputDim, `${name} logProb: y`);
      if (xs.length / inputDim !== ys.length / outputDim)
        throw new ValueError(
          `${name} logProb: x has ${xs.length / inputDim} rows but y has ${ys.length / outputDim}.`,
        );
      return tf.tensor1d(Float32Array.from(exact(xs, ys)));
    },
  };
}

/** `log Σ_k exp(a_k)` of a host array. */
export function hostLogSumExp(a: Float64Array | number[]): number {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of a) if (v > max) max = v;
  if (max === Number.NEGATIVE_INFINITY) return max;
  let s = 0;
  for (const v of a) s += Math.exp(v - max);
  return max + Math.log(s);
}

/** Softmax of host logits, in place into `out`. */
export function hostSoftmax(logits: Float64Array | number[], out: Float64Array): Float64Array {
  const lse = hostLogSumExp(logits);
  for (let k = 0; k < logits.length; k++) out[k] = Math.exp((logits[k] as number) - lse);
  return out;
}

/** Draws an index from probabilities `p` (summing to 1). */
export function drawIndex(p: Float64Array, rng: Rng): number {
  let u = rng.uniform();
  for (let k = 0; k < p.length - 1; k++) {
    u -= p[k] as number;
    if (u < 0) return k;
  }
  return p.length - 1;
}

/** A host matrix `[rows, cols]` of `scale · N(0, 1)` draws (row-major). */
export function normalMatrix(rng: Rng, rows: number, cols: number, scale = 1): Float64Array {
  const m = new Float64Array(rows * cols);
  for (let i = 0; i < m.length; i++) m[i] = scale * rng.normal();
  return m;
}

/** `log N(y; μ, diag(v))` summed over `dim` entries from offsets. */
export function diagonalNormalLogPdf(
  y: Float64Array,
  yAt: number,
  mean: Float64Array,
  meanAt: number,
  logVar: Float64Array,
  varAt: number,
  dim: number,
): number {
  let s = 0;
  for (let d = 0; d < dim; d++) {
    const lv = logVar[varAt + d] as number;
    const r = (y[yAt + d] as number) - (mean[meanAt + d] as number);
    s += -0.5 * (Math.log(2 * Math.PI) + lv + (r * r) / Math.exp(lv));
  }
  return s;
}
