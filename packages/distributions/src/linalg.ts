import { ValueError } from '@polymodal/tensor';

// Small dense linear algebra in float64 on the host, for what tfjs cannot factorise (it has no
// Cholesky): building precision factors from covariances, ground truth for tests. Matrices are
// row-major Float64Arrays of size n × n.

/** Lower-triangular L with `A = L Lᵀ`. @throws ValueError when A is not symmetric positive definite. */
export function cholesky(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j] as number;
      for (let k = 0; k < j; k++) s -= (l[i * n + k] as number) * (l[j * n + k] as number);
      if (i === j) {
        if (!(s > 0)) throw new ValueError(`The matrix is not positive definite (pivot ${i} is ${s}).`);
        l[i * n + i] = Math.sqrt(s);
      } else {
        l[i * n + j] = s / (l[j * n + j] as number);
      }
    }
  }
  return l;
}

/** `A⁻¹` of a symmetric positive-definite matrix, through its Cholesky factor. */
export function inverseSpd(a: Float64Array, n: number): Float64Array {
  const l = cholesky(a, n);
  // Solve L Lᵀ X = I column by column.
  const inv = new Float64Array(n * n);
  const y = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    for (let i = 0; i < n; i++) {
      let s = i === c ? 1 : 0;
      for (let k = 0; k < i; k++) s -= (l[i * n + k] as number) * (y[k] as number);
      y[i] = s / (l[i * n + i] as number);
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = y[i] as number;
      for (let k = i + 1; k < n; k++) s -= (l[k * n + i] as number) * (inv[k * n + c] as number);
      inv[i * n + c] = s / (l[i * n + i] as number);
    }
  }
  return inv;
}

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
