import { ValueError } from '../errors.js';

// Small dense linear algebra in float64 on the host, for what tfjs cannot factorise (it has no
// Cholesky): precision factors from covariances, BAIT's Fisher inverses, ground truth for tests.

/**
 * The lower-triangular Cholesky factor L with `A = L Lᵀ`, in float64 on the host (tfjs has no
 * Cholesky). A is a row-major `n × n` Float64Array.
 *
 * @throws ValueError when A is not symmetric positive definite.
 */
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

/**
 * `A⁻¹` of a symmetric positive-definite row-major `n × n` matrix, in float64 on the host,
 * through its Cholesky factor.
 *
 * @throws ValueError when A is not symmetric positive definite.
 */
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
