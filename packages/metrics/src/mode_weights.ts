import { assertNumber, checkOptions, describeValue, ShapeError, ValueError } from '@polymodal/tensor';

/** What {@link modeWeightError} returns. */
export interface ModeWeightError {
  /** `½ Σ_k |ŵ_k − w_k|` (total variation between the weight vectors). */
  totalVariation: number;
  /** `max_k |ŵ_k − w_k|`. */
  maxAbs: number;
  /** `KL(w ‖ ŵ) = Σ_k w_k log(w_k/ŵ_k)` (Infinity if a true mode gets weight 0). */
  kl: number;
  /** With `samples`: the total variation expected from sampling noise alone (see {@link binomialNoiseFloor}). */
  noiseFloor?: number;
}

function normalise(w: readonly number[], name: string): number[] {
  if (!Array.isArray(w))
    throw new ValueError(`${name} must be an array of weights, got ${describeValue(w)}.`);
  if (w.length === 0) throw new ShapeError(`${name} is empty.`);
  for (const v of w) assertNumber(v, name, { min: 0 });
  const s = w.reduce((a, b) => a + b, 0);
  if (!(s > 0)) throw new ValueError(`${name} must have positive total weight.`);
  return w.map((v) => v / s);
}

/**
 * The total variation expected between true mode weights `w` and their estimate from `samples`
 * independent draws (multinomial counts), `E[½ Σ_k |p̂_k − w_k|] ≈ ½ Σ_k √(2 w_k(1 − w_k)/(π·samples))`
 * (the normal approximation to each binomial): the floor below which a weight error means nothing.
 */
export function binomialNoiseFloor(weights: readonly number[], samples: number): number {
  assertNumber(samples, 'samples', { integer: true, min: 1 });
  const w = normalise(weights, 'weights');
  return 0.5 * w.reduce((acc, p) => acc + Math.sqrt((2 * p * (1 - p)) / (Math.PI * samples)), 0);
}

/**
 * How far estimated mode weights are from the truth (both are normalised first). With
 * `options.samples` (the number of draws the estimate came from), also reports the binomial
 * noise floor to stand beside the total variation.
 */
export function modeWeightError(
  estimated: readonly number[],
  truth: readonly number[],
  options?: { samples?: number },
): ModeWeightError {
  options = checkOptions(options, ['samples'], 'modeWeightError');
  if (!Array.isArray(estimated) || !Array.isArray(truth))
    throw new ValueError('modeWeightError: estimated and truth must be arrays of weights.');
  if (estimated.length !== truth.length)
    throw new ShapeError(`estimated has ${estimated.length} modes, truth ${truth.length}.`);
  const e = normalise(estimated, 'estimated');
  const t = normalise(truth, 'truth');
  let tv = 0;
  let maxAbs = 0;
  let kl = 0;
  t.forEach((w, k) => {
    const d = Math.abs((e[k] as number) - w);
    tv += d / 2;
    maxAbs = Math.max(maxAbs, d);
    if (w > 0) kl += (e[k] as number) > 0 ? w * Math.log(w / (e[k] as number)) : Infinity;
  });
  return {
    totalVariation: tv,
    maxAbs,
    kl,
    ...(options.samples !== undefined ? { noiseFloor: binomialNoiseFloor(t, options.samples) } : {}),
  };
}
