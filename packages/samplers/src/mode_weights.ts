import { ShapeError, ValueError } from '@polymodal/tensor';

/** Mode weights with their delta-method uncertainty. */
export interface ModeWeights {
  /** `r̂_k = Λ̂_k / Σ_j Λ̂_j`. */
  weights: number[];
  /** Standard error of each `r̂_k`: `r̂_k · sd(log r̂_k)`. */
  standardErrors: number[];
  /** `sd(log r̂_k)` (spec §3.7). */
  logStandardErrors: number[];
}

/**
 * Mixing weights from per-region log masses and their relative errors (independent estimates):
 * `r_k = Λ_k / Σ Λ_j`, `Var(log r̂_k) ≈ (1 − r_k)² RE_k² + Σ_{j≠k} r_j² RE_j²` (spec §3.7).
 */
export function modeWeights(
  logNormalizers: readonly number[],
  relativeErrors: readonly number[],
): ModeWeights {
  if (!Array.isArray(logNormalizers) || !Array.isArray(relativeErrors))
    throw new ShapeError('modeWeights: expected arrays of log normalisers and relative errors.');
  if (logNormalizers.length === 0 || logNormalizers.length !== relativeErrors.length)
    throw new ShapeError('modeWeights: expected one relative error per log normaliser (at least one).');
  logNormalizers.forEach((v, k) => {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new ValueError(`modeWeights: log normaliser ${k} is not finite (${v}).`);
  });
  relativeErrors.forEach((v, k) => {
    if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v))
      throw new ValueError(`modeWeights: relative error ${k} must be ≥ 0, got ${v}.`);
  });
  const max = Math.max(...logNormalizers);
  const mass = logNormalizers.map((l) => Math.exp(l - max));
  const total = mass.reduce((a, b) => a + b, 0);
  const weights = mass.map((m) => m / total);
  const logStandardErrors = weights.map((rk, k) => {
    let v = (1 - rk) ** 2 * (relativeErrors[k] as number) ** 2;
    weights.forEach((rj, j) => {
      if (j !== k) v += rj ** 2 * (relativeErrors[j] as number) ** 2;
    });
    return Math.sqrt(v);
  });
  return {
    weights,
    standardErrors: weights.map((r, k) => r * (logStandardErrors[k] as number)),
    logStandardErrors,
  };
}
