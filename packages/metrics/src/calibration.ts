import {
  assertPositiveInteger,
  checkOptions,
  NonFiniteError,
  ShapeError,
  type TensorInput,
  toFloat32,
  ValueError,
} from '@polymodal/tensor';

async function values(v: TensorInput, name: string, infinite = false): Promise<Float32Array> {
  const t = toFloat32(v, name);
  try {
    if (t.rank !== 1) throw new ShapeError(`${name} must be a vector [N], got [${t.shape.join(', ')}].`);
    const data = (await t.data()) as Float32Array;
    // Interval ends may be ±Infinity (one-sided intervals); nothing may be NaN.
    const bad = data.findIndex((x) => Number.isNaN(x) || (!infinite && !Number.isFinite(x)));
    if (bad >= 0) throw new NonFiniteError(`${name} entry ${bad} is ${data[bad]}.`);
    return data;
  } finally {
    t.dispose();
  }
}

/** What {@link coverage} returns. */
export interface Coverage {
  /** Fraction of observations inside their intervals. */
  coverage: number;
  /** Binomial standard error `√(c(1 − c)/N)`. */
  standardError: number;
}

/**
 * The fraction of observations inside their predicted intervals `[lower, upper]` (ends included).
 * For calibrated central intervals of mass m it should be ≈ m, within the binomial standard error
 * `√(m(1 − m)/N)`, which is returned beside it.
 */
export async function coverage(lower: TensorInput, upper: TensorInput, y: TensorInput): Promise<Coverage> {
  const [lo, hi, obs] = await Promise.all([
    values(lower, 'lower', true),
    values(upper, 'upper', true),
    values(y, 'y'),
  ]);
  if (lo.length !== obs.length || hi.length !== obs.length || obs.length === 0) {
    throw new ShapeError(
      `lower, upper and y must have the same non-zero length, got ${lo.length}, ${hi.length}, ${obs.length}.`,
    );
  }
  let inside = 0;
  obs.forEach((v, i) => {
    if (v >= (lo[i] as number) && v <= (hi[i] as number)) inside++;
  });
  const c = inside / obs.length;
  return { coverage: c, standardError: Math.sqrt((c * (1 - c)) / obs.length) };
}

/** What {@link pitHistogram} returns. */
export interface PitHistogram {
  /** Counts per equal-width bin of [0, 1]. */
  counts: number[];
  /** Count expected per bin under calibration (N / bins). */
  expected: number;
  /** Pearson's χ² statistic against uniformity (bins − 1 degrees of freedom). */
  chiSquare: number;
}

/**
 * The histogram of probability integral transform values `F_i(y_i)` (the predictive CDF at each
 * observation, e.g. `GaussianMixture.cdf`). Calibrated predictions give a flat histogram; a U shape
 * means over-confident, a hump under-confident.
 *
 * @throws ValueError for values outside [0, 1].
 */
export async function pitHistogram(pit: TensorInput, options?: { bins?: number }): Promise<PitHistogram> {
  const bins = checkOptions(options, ['bins'], 'pitHistogram').bins ?? 10;
  assertPositiveInteger(bins, 'bins', 1 << 20);
  const v = await values(pit, 'pit');
  if (v.length === 0) throw new ShapeError('pit is empty.');
  const counts = new Array<number>(bins).fill(0);
  for (const p of v) {
    if (!(p >= 0 && p <= 1)) throw new ValueError(`PIT values must lie in [0, 1], got ${p}.`);
    const b = Math.min(bins - 1, Math.floor(p * bins));
    counts[b] = (counts[b] as number) + 1;
  }
  const expected = v.length / bins;
  return { counts, expected, chiSquare: counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0) };
}
