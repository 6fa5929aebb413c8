// Small dense float64 linear algebra on the host (row-major d × d): the factors the samplers need
// once per mode, where float32 on the device would lose the digits log-determinants need.

/** Lower Cholesky factor of a symmetric matrix, or undefined when it is not positive definite. */
export function cholesky(a: Float64Array, d: number): Float64Array | undefined {
  const l = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    let s = a[j * d + j] as number;
    for (let k = 0; k < j; k++) s -= (l[j * d + k] as number) ** 2;
    if (!(s > 0) || !Number.isFinite(s)) return undefined;
    const ljj = Math.sqrt(s);
    l[j * d + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let t = a[i * d + j] as number;
      for (let k = 0; k < j; k++) t -= (l[i * d + k] as number) * (l[j * d + k] as number);
      l[i * d + j] = t / ljj;
    }
  }
  return l;
}

/** Cholesky of `a` after adding the smallest jitter `τ·mean(diag)·I` (τ = 0, 1e-10, 1e-9, …) that makes it positive definite. */
export function choleskyWithJitter(a: Float64Array, d: number): Float64Array {
  let scale = 0;
  for (let i = 0; i < d; i++) scale += Math.abs(a[i * d + i] as number) / d;
  if (!(scale > 0)) scale = 1;
  for (let tau = 0; tau < 1e6; tau = tau === 0 ? 1e-10 : tau * 10) {
    const b = Float64Array.from(a);
    for (let i = 0; i < d; i++) b[i * d + i] = (b[i * d + i] as number) + tau * scale;
    const l = cholesky(b, d);
    if (l) return l;
  }
  throw new Error('choleskyWithJitter: the matrix is not finite');
}

/** Solves `L y = b` (forward substitution). */
export function solveLower(l: Float64Array, d: number, b: ArrayLike<number>): Float64Array {
  const y = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= (l[i * d + k] as number) * (y[k] as number);
    y[i] = s / (l[i * d + i] as number);
  }
  return y;
}

/** Solves `Lᵀ x = y` (back substitution). */
export function solveUpper(l: Float64Array, d: number, y: ArrayLike<number>): Float64Array {
  const x = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let s = y[i] as number;
    for (let k = i + 1; k < d; k++) s -= (l[k * d + i] as number) * (x[k] as number);
    x[i] = s / (l[i * d + i] as number);
  }
  return x;
}

/** `log det A = 2 Σ log L_ii` from A's Cholesky factor. */
export function logDetFromCholesky(l: Float64Array, d: number): number {
  let s = 0;
  for (let i = 0; i < d; i++) s += Math.log(l[i * d + i] as number);
  return 2 * s;
}

/** Largest eigenvalue of a symmetric positive semi-definite matrix (power iteration). */
export function largestEigenvalue(a: Float64Array, d: number, iterations = 200): number {
  let v = new Float64Array(d).fill(1 / Math.sqrt(d));
  let lambda = 0;
  for (let it = 0; it < iterations; it++) {
    const w = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (a[i * d + j] as number) * (v[j] as number);
      w[i] = s;
    }
    const norm = Math.hypot(...w);
    if (!(norm > 0)) return 0;
    const next = norm;
    v = w.map((x) => x / norm);
    if (Math.abs(next - lambda) <= 1e-10 * next) return next;
    lambda = next;
  }
  return lambda;
}

/** Sample mean and covariance (divisor n − 1) of rows `[n, d]`. */
export function meanAndCovariance(
  x: ArrayLike<number>,
  n: number,
  d: number,
): { mean: Float64Array; cov: Float64Array } {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (x[i * d + j] as number) / n;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      const dj = (x[i * d + j] as number) - (mean[j] as number);
      for (let k = 0; k <= j; k++)
        cov[j * d + k] = (cov[j * d + k] as number) + dj * ((x[i * d + k] as number) - (mean[k] as number));
    }
  for (let j = 0; j < d; j++)
    for (let k = 0; k <= j; k++) {
      const v = (cov[j * d + k] as number) / Math.max(1, n - 1);
      cov[j * d + k] = v;
      cov[k * d + j] = v;
    }
  return { mean, cov };
}

/** Row `i` of row-major `rows` (width `d`) minus `centre`, as a new array. */
export function centredRow(
  rows: ArrayLike<number>,
  i: number,
  d: number,
  centre: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(d);
  for (let a = 0; a < d; a++) out[a] = (rows[i * d + a] as number) - (centre[a] as number);
  return out;
}
