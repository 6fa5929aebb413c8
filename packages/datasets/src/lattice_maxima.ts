// The exact modes of the 2-D benchmarks (B4, B5): strict maxima of a lattice scan, each polished by
// Newton's method in float64.

/** A function's gradient and Hessian `[h_xx, h_xy, h_yy]` at a point, and the gradient norm that counts as zero there. */
export interface Derivatives2d {
  grad: readonly [number, number];
  hessian: readonly [number, number, number];
  tolerance: number;
}

/**
 * The interior cells of an `nx × ny` lattice (`values[i * ny + j]`) that are strictly above their
 * 8 neighbours and at least `threshold`, as `[i, j]`.
 */
export function latticeMaxima(
  values: Float64Array,
  nx: number,
  ny: number,
  threshold = Number.NEGATIVE_INFINITY,
): [number, number][] {
  const peaks: [number, number][] = [];
  for (let i = 1; i < nx - 1; i++)
    for (let j = 1; j < ny - 1; j++) {
      const v = values[i * ny + j] as number;
      if (v < threshold) continue;
      let peak = true;
      for (let a = -1; a <= 1 && peak; a++)
        for (let b = -1; b <= 1; b++)
          if ((a !== 0 || b !== 0) && (values[(i + a) * ny + (j + b)] as number) >= v) {
            peak = false;
            break;
          }
      if (peak) peaks.push([i, j]);
    }
  return peaks;
}

/**
 * Newton's method towards a maximum from `start`: steps `−H⁻¹∇` (shortened to `maxStep`) while the
 * Hessian is negative definite, and returns the point once the gradient norm is within the
 * tolerance; `undefined` when the Hessian stops being definite or `iterations` pass.
 */
export function newtonMaximum2d(
  derivatives: (x: number, y: number) => Derivatives2d,
  start: readonly [number, number],
  iterations: number,
  maxStep = Number.POSITIVE_INFINITY,
): [number, number] | undefined {
  let [x, y] = start;
  for (let it = 0; it < iterations; it++) {
    const { grad, hessian, tolerance } = derivatives(x, y);
    const [gx, gy] = grad;
    const [hxx, hxy, hyy] = hessian;
    const det = hxx * hyy - hxy * hxy;
    if (!(hxx < 0 && det > 0)) return undefined;
    if (Math.hypot(gx, gy) <= tolerance) return [x, y];
    let dx = -(hyy * gx - hxy * gy) / det;
    let dy = -(hxx * gy - hxy * gx) / det;
    const len = Math.hypot(dx, dy);
    if (len > maxStep) {
      dx *= maxStep / len;
      dy *= maxStep / len;
    }
    x += dx;
    y += dy;
  }
  return undefined;
}
