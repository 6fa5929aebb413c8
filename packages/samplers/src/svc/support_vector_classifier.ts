import {
  assertBoolean,
  assertNumber,
  assertPositiveInteger,
  checkOptions,
  expNonPositive,
  mapChunked,
  pairwiseSquaredDistances,
  SerializationError,
  ShapeError,
  type TensorInput,
  toFiniteRows,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { solveBinary } from './smo.js';

/** Options of {@link SupportVectorClassifier}. */
export interface SupportVectorClassifierOptions {
  /** Box constraint C > 0. Default 1 (libsvm's and scikit-learn's). */
  C?: number;
  /** RBF width in `exp(−γ‖x − x'‖²)`: a number, or `'scale'` = `1 / (dim · Var(X))` over all entries (scikit-learn's). Default `'scale'`. */
  gamma?: number | 'scale';
  /** Stopping tolerance on the KKT gap (libsvm's `eps`). Default 1e-3. */
  tolerance?: number;
  /** Iteration budget per binary machine. Default 10⁷ (libsvm warns there). */
  maxIterations?: number;
  /** Rows per block in the batched `predict` / `decisionFunction`. Default 8192. */
  chunkSize?: number;
}

/** A fitted classifier as plain JSON (see {@link SupportVectorClassifier.toJSON}). */
export interface SupportVectorClassifierJSON {
  /** The format tag. */
  format: 'polymodal.svc';
  /** The format version. */
  version: 1;
  /** The sorted class labels. */
  classes: number[];
  /** The RBF γ. */
  gamma: number;
  /** The box constraint used in training. */
  C: number;
  /** Support vectors `[nSV][dim]`. */
  supportVectors: number[][];
  /** Dual coefficients `y α` per support vector and class pair, `[nSV][pairs]` (0 outside the pair). */
  dualCoef: number[][];
  /** Intercept `−ρ` per class pair, pairs ordered (0,1), (0,2), …, (1,2), …. */
  intercept: number[];
}

/**
 * Training rows in float64: nested arrays are read as given (no float32 rounding, so fits match
 * float64 references), tensors are read back.
 */
function hostRows(x: TensorInput, name: string): { rows: Float64Array; n: number; d: number } {
  if (x instanceof tf.Tensor) {
    const t = toFiniteRows(x, name, x.rank === 2 ? (x.shape[1] as number) : -1);
    const rows = Float64Array.from(t.dataSync());
    const [n, d] = t.shape;
    t.dispose();
    return { rows, n, d };
  }
  if (!Array.isArray(x) || x.length === 0 || !Array.isArray(x[0]) || (x[0] as number[]).length === 0)
    throw new ShapeError(`${name}: expected rows [n, dim] (a 2-D tensor or a non-empty array of arrays).`);
  const n = x.length;
  const d = (x[0] as number[]).length;
  const rows = new Float64Array(n * d);
  (x as unknown[]).forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== d)
      throw new ShapeError(`${name}: row ${i} does not have ${d} entries.`);
    row.forEach((v, j) => {
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new ValueError(`${name}: entry [${i}, ${j}] is not a finite number.`);
      rows[i * d + j] = v;
    });
  });
  return { rows, n, d };
}

/** How the binary SMO solves went. */
export interface SolverInfo {
  /** Iterations of each class pair's machine, in pair order. */
  iterations: number[];
  /** Whether every machine met the tolerance within `maxIterations`. */
  converged: boolean;
}

const KEYS = ['C', 'gamma', 'tolerance', 'maxIterations', 'chunkSize'] as const;

/** Largest training set (the kernel matrix is held in float64: 8 n² bytes). */
export const MAX_SVC_ROWS = 20_000;

/**
 * C-support vector classification with the RBF kernel, as libsvm does it: each class pair is a
 * binary dual problem solved by SMO with second-order working-set selection; prediction is
 * one-vs-one voting with ties going to the lowest class index. The decision function
 * `f_ij(x) = Σ_s c_s^{ij} K(x, s) + b_ij` (positive favours class i of the pair i < j) defines the
 * regions; there are no probabilities. Training runs on the host in float64; `predict` and
 * `decisionFunction` are batched tfjs ops for millions of points.
 *
 * @example
 * ```ts
 * const svc = new SupportVectorClassifier({ C: 10 }).fit([[0, 0], [1, 1], [0, 1], [4, 4]], [0, 0, 0, 1]);
 * const labels = svc.predict(tf.tensor2d([[0.2, 0.1], [3.9, 4.2]])); // int32 [0, 1]
 * ```
 */
export class SupportVectorClassifier {
  private readonly C: number;
  private readonly gammaOption: number | 'scale';
  private readonly tolerance: number;
  private readonly maxIterations: number;
  private readonly chunkSize: number;
  private model:
    | {
        classes: number[];
        gamma: number;
        sv: tf.Tensor2D;
        coef: tf.Tensor2D;
        intercept: tf.Tensor1D;
        /** Pair → (i, j) vote matrices `[pairs, K]`. */
        votesFor: tf.Tensor2D;
        votesAgainst: tf.Tensor2D;
        json: SupportVectorClassifierJSON;
      }
    | undefined;
  /** Iterations each binary machine took, and whether all converged (after `fit`). */
  solverInfo: SolverInfo = { iterations: [], converged: true };

  constructor(options?: SupportVectorClassifierOptions) {
    const o = checkOptions(options, KEYS, 'SupportVectorClassifier');
    this.C = o.C ?? 1;
    this.gammaOption = o.gamma ?? 'scale';
    this.tolerance = o.tolerance ?? 1e-3;
    this.maxIterations = o.maxIterations ?? 10_000_000;
    this.chunkSize = o.chunkSize ?? 8192;
    assertNumber(this.C, 'SupportVectorClassifier: C', { greaterThan: 0 });
    if (this.gammaOption !== 'scale')
      assertNumber(this.gammaOption, 'SupportVectorClassifier: gamma', { greaterThan: 0 });
    assertNumber(this.tolerance, 'SupportVectorClassifier: tolerance', { greaterThan: 0 });
    assertPositiveInteger(this.maxIterations, 'SupportVectorClassifier: maxIterations', 1e12);
    assertPositiveInteger(this.chunkSize, 'SupportVectorClassifier: chunkSize', 1 << 24);
  }

  /**
   * Fits on rows `x` `[n, dim]` with integer class labels (any integers; at least two classes).
   * Refitting replaces the previous model. @returns this
   */
  fit(x: TensorInput, labels: ArrayLike<number>): this {
    const { rows, n, d } = hostRows(x, 'SupportVectorClassifier.fit: x');
    if (
      labels === null ||
      typeof labels !== 'object' ||
      typeof labels.length !== 'number' ||
      labels.length !== n
    )
      throw new ShapeError(`SupportVectorClassifier.fit: expected ${n} labels, one per row.`);
    if (n > MAX_SVC_ROWS)
      throw new ValueError(
        `SupportVectorClassifier.fit: at most ${MAX_SVC_ROWS} rows (the kernel matrix is n² floats), got ${n}.`,
      );
    for (let i = 0; i < n; i++)
      if (!Number.isInteger(labels[i]))
        throw new ValueError(`SupportVectorClassifier.fit: label ${i} is not an integer (${labels[i]}).`);
    const classes = [...new Set(Array.from(labels))].sort((a, b) => a - b);
    if (classes.length < 2)
      throw new ValueError(`SupportVectorClassifier.fit: needs at least two classes, got ${classes.length}.`);
    let gamma: number;
    if (this.gammaOption === 'scale') {
      let mean = 0;
      for (const v of rows) mean += v / rows.length;
      let variance = 0;
      for (const v of rows) variance += (v - mean) ** 2 / rows.length;
      gamma = variance > 0 ? 1 / (d * variance) : 1;
    } else gamma = this.gammaOption;
    const K = new Float64Array(n * n);
    for (let a = 0; a < n; a++) {
      K[a * n + a] = 1;
      for (let b = 0; b < a; b++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += ((rows[a * d + j] as number) - (rows[b * d + j] as number)) ** 2;
        const v = Math.exp(-gamma * s);
        K[a * n + b] = v;
        K[b * n + a] = v;
      }
    }
    const byClass = classes.map((c) => {
      const idx: number[] = [];
      for (let i = 0; i < n; i++) if (labels[i] === c) idx.push(i);
      return idx;
    });
    const pairs: [number, number][] = [];
    for (let i = 0; i < classes.length; i++) for (let j = i + 1; j < classes.length; j++) pairs.push([i, j]);
    const coefByRow = new Map<number, Float64Array>();
    const intercept: number[] = [];
    const iterations: number[] = [];
    let converged = true;
    pairs.forEach(([ci, cj], p) => {
      const a = byClass[ci] as number[];
      const b = byClass[cj] as number[];
      const index = Int32Array.from([...a, ...b]);
      const y = Int8Array.from([...a.map(() => 1), ...b.map(() => -1)]);
      const sol = solveBinary(K, n, index, y, this.C, this.tolerance, this.maxIterations);
      iterations.push(sol.iterations);
      converged &&= sol.converged;
      intercept.push(-sol.rho);
      for (let k = 0; k < index.length; k++) {
        const al = sol.alpha[k] as number;
        if (al > 0) {
          const row = index[k] as number;
          const c = coefByRow.get(row) ?? new Float64Array(pairs.length);
          c[p] = (y[k] as number) * al;
          coefByRow.set(row, c);
        }
      }
    });
    const svRows = [...coefByRow.keys()].sort((u, v) => u - v);
    this.solverInfo = { iterations, converged };
    this.load({
      format: 'polymodal.svc',
      version: 1,
      classes,
      gamma,
      C: this.C,
      supportVectors: svRows.map((r) => Array.from(rows.subarray(r * d, r * d + d))),
      dualCoef: svRows.map((r) => Array.from(coefByRow.get(r) as Float64Array)),
      intercept,
    });
    this.supportIndices = Int32Array.from(svRows);
    return this;
  }

  /** Row indices (into the training rows) of the support vectors, ascending (after `fit`). */
  supportIndices: Int32Array = new Int32Array(0);

  private load(json: SupportVectorClassifierJSON): void {
    this.dispose();
    const K = json.classes.length;
    const pairs: [number, number][] = [];
    for (let i = 0; i < K; i++) for (let j = i + 1; j < K; j++) pairs.push([i, j]);
    const forVotes = new Float32Array(pairs.length * K);
    const againstVotes = new Float32Array(pairs.length * K);
    pairs.forEach(([i, j], p) => {
      forVotes[p * K + i] = 1;
      againstVotes[p * K + j] = 1;
    });
    this.model = {
      classes: json.classes,
      gamma: json.gamma,
      sv: tf.tensor2d(json.supportVectors.flat(), [
        json.supportVectors.length,
        json.supportVectors[0]?.length ?? 0,
      ]),
      coef: tf.tensor2d(json.dualCoef.flat(), [json.dualCoef.length, pairs.length]),
      intercept: tf.tensor1d(json.intercept),
      votesFor: tf.tensor2d(forVotes, [pairs.length, K]),
      votesAgainst: tf.tensor2d(againstVotes, [pairs.length, K]),
      json,
    };
  }

  private fitted(where: string) {
    if (!this.model)
      throw new ValueError(`SupportVectorClassifier.${where}: call fit() (or fromJSON) first.`);
    return this.model;
  }

  /** The sorted class labels (after `fit`). */
  get classes(): number[] {
    return [...this.fitted('classes').classes];
  }

  /** The RBF γ used (resolved from `'scale'` at fit time). */
  get gamma(): number {
    return this.fitted('gamma').gamma;
  }

  /** Input dimension of the fitted model. */
  get dim(): number {
    return this.fitted('dim').sv.shape[1];
  }

  /**
   * Validates rows `x` against the fitted model and maps them chunk by chunk through `f`, which
   * receives the chunk's decision values `[c, pairs]`; the converted rows are freed on every path.
   */
  private mapDecisions(
    x: TensorInput,
    where: string,
    f: (decisions: tf.Tensor2D) => tf.Tensor,
    trusted = false,
  ): tf.Tensor {
    const m = this.fitted(where);
    // Trusted rows (the sampler's own draws) skip the finiteness read: inside a pipeline it would
    // be a synchronous device read per call.
    const rows = trusted
      ? tf.clone(x as tf.Tensor2D)
      : toFiniteRows(x, `SupportVectorClassifier.${where}: x`, m.sv.shape[1]);
    try {
      return mapChunked(
        rows,
        (chunk) => {
          const kernel = expNonPositive(
            tf.mul(-m.gamma, pairwiseSquaredDistances(chunk as tf.Tensor2D, m.sv)),
          );
          return f(tf.add(tf.matMul(kernel, m.coef), m.intercept) as tf.Tensor2D);
        },
        this.chunkSize,
      );
    } finally {
      rows.dispose();
    }
  }

  /**
   * One-vs-one decision values `[N, pairs]`, pairs ordered (0,1), (0,2), …, (1,2), …; positive
   * favours the pair's lower class. The caller disposes the result.
   */
  decisionFunction(x: TensorInput): tf.Tensor2D {
    return this.mapDecisions(x, 'decisionFunction', (dec) => dec) as tf.Tensor2D;
  }

  /**
   * Class indices `[N]` (int32, into `classes`) by one-vs-one voting, ties to the lowest index —
   * the regions the sampler uses. Use {@link SupportVectorClassifier.predict} for the original labels.
   * `validate: false` skips the finiteness read of `x` (a tensor `[N, dim]` the caller vouches for,
   * such as a sampler's own draws), as the distributions' constructors do; default true.
   */
  predictIndex(x: TensorInput, options?: { validate?: boolean }): tf.Tensor1D {
    const validate =
      checkOptions(options, ['validate'], 'SupportVectorClassifier.predictIndex').validate ?? true;
    assertBoolean(validate, 'SupportVectorClassifier.predictIndex: validate');
    if (!validate && x instanceof tf.Tensor && x.isDisposed)
      throw new ValueError('SupportVectorClassifier.predictIndex: x has been disposed.');
    if (!validate && !(x instanceof tf.Tensor && x.rank === 2 && x.shape[1] === this.dim))
      throw new ShapeError(
        `SupportVectorClassifier.predictIndex: with validate: false, x must be a tensor [N, ${this.dim}].`,
      );
    return this.vote(x, !validate);
  }

  private vote(x: TensorInput, trusted: boolean): tf.Tensor1D {
    const m = this.fitted('predict');
    return this.mapDecisions(
      x,
      'predict',
      (dec) => {
        const win = tf.cast(tf.greater(dec, 0), 'float32');
        const votes = tf.add(tf.matMul(win, m.votesFor), tf.matMul(tf.sub(1, win), m.votesAgainst));
        return tf.argMax(votes, 1);
      },
      trusted,
    ) as tf.Tensor1D;
  }

  /** The predicted original class labels `[N]` (int32). */
  predict(x: TensorInput): tf.Tensor1D {
    const m = this.fitted('predict');
    const index = this.predictIndex(x);
    const out = tf.tidy(() => tf.gather(tf.tensor1d(m.classes, 'int32'), index) as tf.Tensor1D);
    index.dispose();
    return out;
  }

  /** The fitted model as JSON (support vectors, dual coefficients, intercepts, γ, classes). */
  toJSON(): SupportVectorClassifierJSON {
    return structuredClone(this.fitted('toJSON').json);
  }

  /** Rebuilds a fitted classifier from {@link toJSON}'s output, validating every field. */
  static fromJSON(json: unknown): SupportVectorClassifier {
    const bad = (what: string): never => {
      throw new SerializationError(`SupportVectorClassifier.fromJSON: ${what}.`);
    };
    if (json === null || typeof json !== 'object') bad('expected an object');
    const j = json as Partial<SupportVectorClassifierJSON>;
    if (j.format !== 'polymodal.svc' || j.version !== 1) bad('not a polymodal.svc version 1 model');
    const classes = j.classes;
    if (!Array.isArray(classes) || classes.length < 2 || !classes.every(Number.isInteger))
      bad('classes must be ≥ 2 integers');
    const K = (classes as number[]).length;
    const pairs = (K * (K - 1)) / 2;
    if (typeof j.gamma !== 'number' || !(j.gamma > 0) || !Number.isFinite(j.gamma))
      bad('gamma must be a positive number');
    if (typeof j.C !== 'number' || !(j.C > 0)) bad('C must be a positive number');
    const sv = j.supportVectors;
    if (!Array.isArray(sv) || sv.length === 0 || sv.length > MAX_SVC_ROWS)
      bad('supportVectors must be a non-empty array of rows');
    const dim = (sv as number[][])[0]?.length ?? 0;
    const finiteRow = (r: unknown, len: number) =>
      Array.isArray(r) && r.length === len && r.every((v) => typeof v === 'number' && Number.isFinite(v));
    if (!(dim > 0) || !(sv as unknown[]).every((r) => finiteRow(r, dim)))
      bad('supportVectors must be rows of finite numbers of one length');
    if (
      !Array.isArray(j.dualCoef) ||
      j.dualCoef.length !== (sv as unknown[]).length ||
      !j.dualCoef.every((r) => finiteRow(r, pairs))
    )
      bad(`dualCoef must be [nSV][${pairs}] finite numbers`);
    if (!finiteRow(j.intercept, pairs)) bad(`intercept must be ${pairs} finite numbers`);
    const out = new SupportVectorClassifier({ C: j.C as number, gamma: j.gamma as number });
    out.load(structuredClone(j as SupportVectorClassifierJSON));
    return out;
  }

  /** Frees the model's tensors (the classifier can be refitted after). */
  dispose(): void {
    if (!this.model) return;
    const m = this.model;
    tf.dispose([m.sv, m.coef, m.intercept, m.votesFor, m.votesAgainst]);
    this.model = undefined;
  }
}
