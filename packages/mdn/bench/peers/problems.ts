// The problem suite of the peer benchmark: conditional densities with an exact log density, so
// every NLL has a floor (the exact density's NLL on the same test set). Host float64 rows.
import { saddleNode, saddleNodeLogProb, sineInverse, sineInverseLogProb } from '@polymodal/datasets';
import { Rng } from '@polymodal/tensor';
import type * as tf from '@tensorflow/tfjs-core';

/** Rows `[n][dim]`. */
export type Rows = number[][];

/** One problem: draws (x, y) and the exact log p(y | x). */
export interface PeerProblem {
  name: string;
  /** What makes it hard, for the table. */
  what: string;
  inputDim: number;
  outputDim: number;
  /** Training rows (the MDN paper's low-data regime). */
  trainRows: number;
  /** Components the models get (every side the same). */
  components: number;
  sample(n: number, seed: number): { x: Rows; y: Rows };
  logProb(x: Rows, y: Rows): number[];
}

const LOG_2PI = Math.log(2 * Math.PI);
const normalLog = (v: number, mean: number, std: number) =>
  -0.5 * ((v - mean) / std) ** 2 - Math.log(std) - 0.5 * LOG_2PI;
const logSumExp = (a: number[]) => {
  const m = Math.max(...a);
  return m + Math.log(a.reduce((s, v) => s + Math.exp(v - m), 0));
};
const fromTensors = (data: { x: tf.Tensor2D; y: tf.Tensor2D; dispose(): void }) => {
  const out = { x: data.x.arraySync(), y: data.y.arraySync() };
  data.dispose();
  return out;
};
/** `n` rows, each drawn by `row` from one seeded stream. */
const drawRows = (n: number, seed: number, row: (rng: Rng) => [number[], number[]]) => {
  const rng = new Rng(seed);
  const x: Rows = [];
  const y: Rows = [];
  for (let i = 0; i < n; i++) {
    const [xi, yi] = row(rng);
    x.push(xi);
    y.push(yi);
  }
  return { x, y };
};
const logProbOf = (f: (x: Rows, y: Rows) => tf.Tensor) => (x: Rows, y: Rows) => {
  const lp = f(x, y);
  const out = Array.from(lp.dataSync());
  lp.dispose();
  return out;
};

/** y = x or y = x³ − x with equal odds, noise 0.1: two branches that cross three times. */
const cubicLine: PeerProblem = {
  name: 'cubic-line',
  what: '2 crossing branches',
  inputDim: 1,
  outputDim: 1,
  trainRows: 1000,
  components: 5,
  sample: (n, seed) =>
    drawRows(n, seed, (rng) => {
      const s = -1.8 + 3.6 * rng.uniform();
      return [[s], [(rng.uniform() < 0.5 ? s : s ** 3 - s) + 0.1 * rng.normal()]];
    }),
  logProb: (x, y) =>
    x.map(([s = 0], i) => {
      const t = y[i]?.[0] ?? 0;
      return logSumExp([Math.log(0.5) + normalLog(t, s, 0.1), Math.log(0.5) + normalLog(t, s ** 3 - s, 0.1)]);
    }),
};

/**
 * Two branches ±sin(2πs) whose weights move with the input (w = σ(6(s − ½))) and whose noise grows
 * from 0.02 to 0.32 across it.
 */
const heteroscedastic: PeerProblem = {
  name: 'heteroscedastic',
  what: 'noise ×16, moving weights',
  inputDim: 1,
  outputDim: 1,
  trainRows: 1000,
  components: 5,
  sample: (n, seed) =>
    drawRows(n, seed, (rng) => {
      const s = rng.uniform();
      const sign = rng.uniform() < 1 / (1 + Math.exp(-6 * (s - 0.5))) ? 1 : -1;
      return [[s], [sign * Math.sin(2 * Math.PI * s) + (0.02 + 0.3 * s) * rng.normal()]];
    }),
  logProb: (x, y) =>
    x.map(([s = 0], i) => {
      const t = y[i]?.[0] ?? 0;
      const w = 1 / (1 + Math.exp(-6 * (s - 0.5)));
      const m = Math.sin(2 * Math.PI * s);
      const sd = 0.02 + 0.3 * s;
      return logSumExp([Math.log(w) + normalLog(t, m, sd), Math.log(1 - w) + normalLog(t, -m, sd)]);
    }),
};

/**
 * A ring in 2-D whose radius is 1 + s: y = r (cos θ, sin θ), θ uniform, r ~ N(1 + s, 0.1²), so
 * p(y | s) = N(‖y‖; 1 + s, 0.1²) / (2π‖y‖). A continuum of modes that K Gaussians can only tile.
 */
const ring: PeerProblem = {
  name: 'ring-2d',
  what: 'a continuum of modes',
  inputDim: 1,
  outputDim: 2,
  trainRows: 2000,
  components: 10,
  sample: (n, seed) =>
    drawRows(n, seed, (rng) => {
      const s = rng.uniform();
      const theta = 2 * Math.PI * rng.uniform();
      const r = 1 + s + 0.1 * rng.normal();
      return [[s], [r * Math.cos(theta), r * Math.sin(theta)]];
    }),
  logProb: (x, y) =>
    x.map(([s = 0], i) => {
      const r = Math.hypot(y[i]?.[0] ?? 0, y[i]?.[1] ?? 0);
      return normalLog(r, 1 + s, 0.1) - Math.log(2 * Math.PI * r);
    }),
};

/** Fixed random maps of the 5-D problem (seed 7, not the data seed). */
const FIVE = (() => {
  const rng = new Rng(7);
  const draw = (n: number) => Array.from({ length: n }, () => rng.normal());
  return { centres: [draw(5), draw(5), draw(5)], slopes: [draw(5), draw(5), draw(5)], logits: draw(3) };
})();
const fiveMeans = (s: number) =>
  FIVE.centres.map((c, k) => c.map((v, d) => v + 1.5 * s * (FIVE.slopes[k]?.[d] ?? 0)));
const fiveLogWeights = (s: number) => {
  const a = FIVE.logits.map((l, k) => l + 2 * s * (k - 1));
  const z = logSumExp(a);
  return a.map((v) => v - z);
};
const fiveStd = (s: number) => 0.1 + 0.1 * Math.abs(s);

/** Three components in R⁵ whose means move linearly with s ∈ U(−1, 1) and whose weights tilt with it. */
const fiveD: PeerProblem = {
  name: 'five-d',
  what: '3 modes in R⁵',
  inputDim: 1,
  outputDim: 5,
  trainRows: 1000,
  components: 5,
  sample: (n, seed) =>
    drawRows(n, seed, (rng) => {
      const s = -1 + 2 * rng.uniform();
      const w = fiveLogWeights(s).map(Math.exp);
      let u = rng.uniform();
      let k = 0;
      while (k < 2 && u > (w[k] ?? 0)) u -= w[k++] ?? 0;
      const sd = fiveStd(s);
      return [[s], (fiveMeans(s)[k] ?? []).map((m) => m + sd * rng.normal())];
    }),
  logProb: (x, y) =>
    x.map(([s = 0], i) => {
      const sd = fiveStd(s);
      const lw = fiveLogWeights(s);
      return logSumExp(
        fiveMeans(s).map(
          (m, k) => (lw[k] ?? 0) + m.reduce((acc, v, d) => acc + normalLog(y[i]?.[d] ?? 0, v, sd), 0),
        ),
      );
    }),
};

const sine: PeerProblem = {
  name: 'sine-inverse',
  what: '1–5 branches (Bishop)',
  inputDim: 1,
  outputDim: 1,
  trainRows: 1000,
  components: 5,
  sample: (n, seed) => fromTensors(sineInverse(n, { seed })),
  logProb: logProbOf((x, y) => sineInverseLogProb(x, y)),
};

const saddle: PeerProblem = {
  name: 'saddle-node',
  what: '20-D paths, hidden r',
  inputDim: 1,
  outputDim: 20,
  trainRows: 200,
  components: 5,
  sample: (n, seed) => fromTensors(saddleNode(n, { seed })),
  logProb: logProbOf((x, y) => saddleNodeLogProb(x, y)),
};

/** The suite, in table order. */
export const PEER_PROBLEMS: PeerProblem[] = [sine, cubicLine, heteroscedastic, ring, fiveD, saddle];
