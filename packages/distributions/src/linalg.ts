import { cholesky, inverseSpd } from '@polymodal/tensor';

/**
 * The upper-triangular precision factor U (positive diagonal) with `UᵀU = Σ⁻¹` for a covariance Σ:
 * U = Lᵀ where `L Lᵀ = Σ⁻¹`.
 */
export function precisionFactorFromCovariance(cov: Float64Array, n: number): Float64Array {
  const l = cholesky(inverseSpd(cov, n), n);
  const u = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) u[i * n + j] = l[j * n + i] as number;
  return u;
}
