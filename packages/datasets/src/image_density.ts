import { type DisposableDensity, densityFromFunction } from '@polymodal/distributions';
import {
  assertNumber,
  assertPositiveInteger,
  assertSeed,
  checkOptions,
  Rng,
  ShapeError,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { latticeMaxima, newtonMaximum2d } from './lattice_maxima.js';
import { type ExactDraws, massesFromDraws, type SampleableBenchmark } from './sampler_benchmarks.js';

/** A grayscale image: `pixels[row * width + column]` in `[0, 1]`, row 0 at the top. */
export interface GrayscaleImage {
  /** Columns. */
  width: number;
  /** Rows. */
  height: number;
  /** Row-major intensities in `[0, 1]`. */
  pixels: Float32Array;
}

/** Options of {@link imageDensity}. */
export interface ImageDensityOptions {
  /** The image (default {@link dogSilhouette}`(64)`). */
  image?: GrayscaleImage;
  /** Gaussian blur in pixels applied before interpolation (default 2); it sets the number of modes. */
  blur?: number;
  /** Added to every blurred pixel so that `ρ > 0` on the box (default 1e-4). */
  floor?: number;
}

/** B4: a density drawn from an image, with its exact modes, normaliser and draws. */
export interface ImageDensityBenchmark extends SampleableBenchmark {
  /** The blurred, floored pixel values the density interpolates, row-major like the image. */
  coefficients: Float32Array;
  /** Width and height of the image. */
  width: number;
  /** Height of the image. */
  height: number;
  /** Pixel spacing `[h_x, h_y]` on the box. */
  spacing: [number, number];
  /**
   * Every local maximum of `ρ`, most prominent (highest density) first: found on a lattice four
   * times finer than the pixels and polished by Newton's method in float64, each with a negative
   * definite Hessian and a gradient below 1e-9 of the density.
   */
  modes: number[][];
}

// The smooth bumps the default image is drawn from: centre, radii, rotation (radians), height.
const DOG_PARTS: readonly [number, number, number, number, number, number][] = [
  [0.05, -0.05, 0.45, 0.22, 0, 0.8], // body
  [-0.5, 0.3, 0.2, 0.18, 0, 1], // head
  [-0.62, 0.52, 0.07, 0.15, -0.3, 0.7], // ear
  [-0.74, 0.22, 0.11, 0.07, 0, 0.6], // snout
  [0.6, 0.22, 0.06, 0.2, -0.6, 0.5], // tail
  [-0.27, -0.45, 0.05, 0.17, 0, 0.6], // legs
  [-0.1, -0.47, 0.05, 0.17, 0, 0.6],
  [0.25, -0.45, 0.05, 0.17, 0, 0.6],
  [0.42, -0.47, 0.05, 0.17, 0, 0.6],
];

/**
 * A dog-like grayscale silhouette, `size × size`, drawn from nine smooth bumps (body, head, ear,
 * snout, tail, four legs): the image of the samplers paper's "Dog" density, made here so that
 * nothing is downloaded.
 */
export function dogSilhouette(size = 64): GrayscaleImage {
  assertPositiveInteger(size, 'dogSilhouette: size', 1024);
  if (size < 8) throw new ValueError(`dogSilhouette: size must be at least 8, got ${size}.`);
  const pixels = new Float32Array(size * size);
  for (let r = 0; r < size; r++) {
    const y = 1 - ((r + 0.5) * 2) / size;
    for (let c = 0; c < size; c++) {
      const x = -1 + ((c + 0.5) * 2) / size;
      let v = 0;
      for (const [cx, cy, rx, ry, angle, height] of DOG_PARTS) {
        const dx = x - cx;
        const dy = y - cy;
        const u = (Math.cos(angle) * dx + Math.sin(angle) * dy) / rx;
        const w = (-Math.sin(angle) * dx + Math.cos(angle) * dy) / ry;
        const q = 1 - u * u - w * w;
        if (q > 0) v += height * q * q;
      }
      pixels[r * size + c] = Math.min(1, v);
    }
  }
  return { width: size, height: size, pixels };
}

/** A separable Gaussian blur of `sigma` pixels (zero outside the image), truncated at 4σ. */
function gaussianBlur(image: GrayscaleImage, sigma: number): Float64Array {
  const { width: W, height: H, pixels } = image;
  const out = Float64Array.from(pixels);
  if (sigma === 0) return out;
  const radius = Math.ceil(4 * sigma);
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, i) =>
    Math.exp(-0.5 * ((i - radius) / sigma) ** 2),
  );
  const total = kernel.reduce((a, b) => a + b, 0);
  const k = kernel.map((v) => v / total);
  const tmp = new Float64Array(W * H);
  for (let r = 0; r < H; r++)
    for (let c = 0; c < W; c++) {
      let s = 0;
      for (let i = -radius; i <= radius; i++) {
        const cc = c + i;
        if (cc >= 0 && cc < W) s += (k[i + radius] as number) * (out[r * W + cc] as number);
      }
      tmp[r * W + c] = s;
    }
  for (let r = 0; r < H; r++)
    for (let c = 0; c < W; c++) {
      let s = 0;
      for (let i = -radius; i <= radius; i++) {
        const rr = r + i;
        if (rr >= 0 && rr < H) s += (k[i + radius] as number) * (tmp[rr * W + c] as number);
      }
      out[r * W + c] = s;
    }
  return out;
}

// Cubic B-spline basis at offset t ∈ [0, 1) for the nodes ⌊u⌋ − 1 … ⌊u⌋ + 2, and its derivatives.
function basis(t: number, out: Float64Array, order: 0 | 1 | 2): void {
  const s = 1 - t;
  if (order === 0) {
    out[0] = (s * s * s) / 6;
    out[1] = (3 * t * t * t - 6 * t * t + 4) / 6;
    out[2] = (-3 * t * t * t + 3 * t * t + 3 * t + 1) / 6;
    out[3] = (t * t * t) / 6;
  } else if (order === 1) {
    out[0] = -(s * s) / 2;
    out[1] = (3 * t * t - 4 * t) / 2;
    out[2] = (-3 * t * t + 2 * t + 1) / 2;
    out[3] = (t * t) / 2;
  } else {
    out[0] = s;
    out[1] = 3 * t - 2;
    out[2] = 1 - 3 * t;
    out[3] = t;
  }
}

/**
 * B4 (samplers spec §9): a 2-D density drawn from a grayscale image, the "Dog" of the samplers
 * paper. The image is blurred by a Gaussian of `blur` pixels, floored, and interpolated by cubic
 * B-splines on [−1, 1]² (pixel centres at `−1 + (c + ½) h`):
 * `ρ(x) = Σ_ij c_ij β₃((x − x_i)/h_x) β₃((y − y_j)/h_y)`. The spec's bilinear interpolation has
 * kinks at its maxima, where no mode finder can see a zero gradient or a definite Hessian; the
 * cubic B-spline is twice differentiable, and it is a mixture of products of Irwin–Hall(4) kernels,
 * so `Z = h_x h_y Σ c_ij` and the draws are exact. The support, and the prior box, is
 * `[−1 − 1.5 h, 1 + 1.5 h]` on each axis. A draw's `component` is its pixel `row · width + column`.
 *
 * The blur controls how many local maxima the density has: a sharp image has one per part of the
 * silhouette, a blurred one merges them (`modes` lists them exactly).
 */
export function imageDensity(options?: ImageDensityOptions): ImageDensityBenchmark {
  const o = checkOptions(options, ['image', 'blur', 'floor'], 'imageDensity');
  const image = o.image ?? dogSilhouette(64);
  const blur = o.blur ?? 2;
  const floor = o.floor ?? 1e-4;
  checkImage(image);
  assertNumber(blur, 'imageDensity: blur', { min: 0, max: 64 });
  assertNumber(floor, 'imageDensity: floor', { greaterThan: 0, max: 1 });
  const { width: W, height: H } = image;
  const blurred = gaussianBlur(image, blur);
  const hx = 2 / W;
  const hy = 2 / H;
  // Coefficients by (column, row-from-bottom), so the y index grows with y.
  const coef = new Float64Array(W * H);
  const coefficients = new Float32Array(W * H);
  let total = 0;
  for (let r = 0; r < H; r++)
    for (let c = 0; c < W; c++) {
      const v = Math.fround((blurred[r * W + c] as number) + floor);
      coefficients[r * W + c] = v;
      coef[c * H + (H - 1 - r)] = v;
      total += v;
    }
  const logNormalizer = Math.log(hx * hy * total);
  const x0 = -1 + hx / 2;
  const y0 = -1 + hy / 2;

  // Device twin: the coefficients zero-padded by three nodes on each side, so that every point of
  // the support reads its 4 × 4 nodes without a branch.
  const P = 3;
  const PH = H + 2 * P;
  const padded = new Float32Array((W + 2 * P) * PH);
  for (let c = 0; c < W; c++)
    for (let j = 0; j < H; j++) padded[(c + P) * PH + (j + P)] = coef[c * H + j] as number;
  const table = tf.keep(tf.tensor1d(padded));
  const offsets = tf.keep(
    tf.tensor1d(
      Array.from({ length: 16 }, (_, q) => Math.floor(q / 4) * PH + (q % 4)),
      'int32',
    ),
  );

  /** The 4 basis values per point along one axis, and (on demand) their derivatives in u. */
  const axis = (u: tf.Tensor1D, lo: number, hi: number) => {
    const inside = tf.logicalAnd(tf.greaterEqual(u, lo), tf.less(u, hi));
    const f = tf.clipByValue(tf.floor(u), lo, hi - 1);
    const t = tf.sub(u, f);
    const s = tf.sub(1, t);
    const t2 = tf.square(t);
    const t3 = tf.mul(t2, t);
    const w = tf.stack(
      [
        tf.div(tf.mul(tf.square(s), s), 6),
        tf.div(tf.add(tf.sub(tf.mul(t3, 3), tf.mul(t2, 6)), 4), 6),
        tf.div(tf.add(tf.add(tf.add(tf.mul(t3, -3), tf.mul(t2, 3)), tf.mul(t, 3)), 1), 6),
        tf.div(t3, 6),
      ],
      1,
    ); // [N, 4]
    const d = () =>
      tf.stack(
        [
          tf.mul(tf.square(s), -0.5),
          tf.div(tf.sub(tf.mul(t2, 3), tf.mul(t, 4)), 2),
          tf.div(tf.add(tf.add(tf.mul(t2, -3), tf.mul(t, 2)), 1), 2),
          tf.div(t2, 2),
        ],
        1,
      );
    return { inside, first: f, w, d };
  };

  /** ρ at points `[N, 2]` (`[N]`), and ∂ρ/∂x, ∂ρ/∂y computed only when the score asks. */
  const evaluate = (x: tf.Tensor2D) => {
    const [px, py] = tf.unstack(x, 1) as [tf.Tensor1D, tf.Tensor1D];
    const ax = axis(tf.div(tf.sub(px, x0), hx) as tf.Tensor1D, -2, W + 1);
    const ay = axis(tf.div(tf.sub(py, y0), hy) as tf.Tensor1D, -2, H + 1);
    // Node (⌊u⌋ − 1 + a, ⌊v⌋ − 1 + b) sits at padded index (⌊u⌋ − 1 + P + a) · PH + (⌊v⌋ − 1 + P + b).
    const base = tf.cast(tf.add(tf.mul(tf.add(ax.first, P - 1), PH), tf.add(ay.first, P - 1)), 'int32');
    const c = tf.gather(table, tf.add(tf.expandDims(base, 1), offsets)); // [N, 16]
    const outer = (a: tf.Tensor, b: tf.Tensor) =>
      tf.reshape(tf.mul(tf.expandDims(a, 2), tf.expandDims(b, 1)), [-1, 16]);
    const inside = tf.cast(tf.logicalAnd(ax.inside, ay.inside), 'float32');
    const rho = tf.mul(tf.sum(tf.mul(c, outer(ax.w, ay.w)), 1), inside);
    const dx = () => tf.mul(tf.div(tf.sum(tf.mul(c, outer(ax.d(), ay.w)), 1), hx), inside);
    const dy = () => tf.mul(tf.div(tf.sum(tf.mul(c, outer(ax.w, ay.d())), 1), hy), inside);
    return { rho, dx, dy };
  };

  const density = densityFromFunction({
    dim: 2,
    logDensity: (x) => tf.tidy(() => tf.log(evaluate(x).rho) as tf.Tensor1D),
    gradLogDensity: (x) =>
      tf.tidy(() => {
        const { rho, dx, dy } = evaluate(x);
        // Outside the support ρ = 0 and the score is set to 0 rather than 0/0.
        const safe = tf.where(tf.greater(rho, 0), rho, tf.onesLike(rho));
        return tf.div(tf.stack([dx(), dy()], 1), tf.expandDims(safe, 1)) as tf.Tensor2D;
      }),
    logNormalizer,
  });
  const target: DisposableDensity = Object.assign(density, {
    dispose: () => tf.dispose([table, offsets]),
  });

  // Host twin in float64: ρ with its gradient and Hessian, for the exact modes.
  const bx = [new Float64Array(4), new Float64Array(4), new Float64Array(4)];
  const by = [new Float64Array(4), new Float64Array(4), new Float64Array(4)];
  const hostEvaluate = (x: number, y: number) => {
    const u = (x - x0) / hx;
    const v = (y - y0) / hy;
    const fu = Math.floor(u);
    const fv = Math.floor(v);
    for (const order of [0, 1, 2] as const) {
      basis(u - fu, bx[order] as Float64Array, order);
      basis(v - fv, by[order] as Float64Array, order);
    }
    const g = new Float64Array(6); // ρ, ρ_x, ρ_y, ρ_xx, ρ_xy, ρ_yy in units of u, v
    for (let a = 0; a < 4; a++) {
      const i = fu - 1 + a;
      if (i < 0 || i >= W) continue;
      for (let b = 0; b < 4; b++) {
        const j = fv - 1 + b;
        if (j < 0 || j >= H) continue;
        const cij = coef[i * H + j] as number;
        const [x0b, x1b, x2b] = bx.map((t) => t[a] as number) as [number, number, number];
        const [y0b, y1b, y2b] = by.map((t) => t[b] as number) as [number, number, number];
        g[0] = (g[0] as number) + cij * x0b * y0b;
        g[1] = (g[1] as number) + cij * x1b * y0b;
        g[2] = (g[2] as number) + cij * x0b * y1b;
        g[3] = (g[3] as number) + cij * x2b * y0b;
        g[4] = (g[4] as number) + cij * x1b * y1b;
        g[5] = (g[5] as number) + cij * x0b * y2b;
      }
    }
    return {
      rho: g[0] as number,
      grad: [(g[1] as number) / hx, (g[2] as number) / hy],
      hessian: [(g[3] as number) / (hx * hx), (g[4] as number) / (hx * hy), (g[5] as number) / (hy * hy)],
    };
  };
  const modes = findImageModes(hostEvaluate, W, H, x0, y0, hx, hy, floor);

  // Exact draws: a pixel with probability ∝ c_ij, then an Irwin–Hall(4) offset per axis.
  const cumulative = new Float64Array(W * H);
  let acc = 0;
  for (let q = 0; q < W * H; q++) {
    acc += coef[q] as number;
    cumulative[q] = acc;
  }
  const sample = (n: number, seed: number): ExactDraws => {
    assertPositiveInteger(n, 'sample: n', 1 << 24);
    assertSeed(seed);
    const rng = new Rng(seed);
    const x = new Float32Array(2 * n);
    const components = new Int32Array(n);
    for (let s = 0; s < n; s++) {
      const target = rng.uniform() * acc;
      let lo = 0;
      let hi = W * H - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((cumulative[mid] as number) <= target) lo = mid + 1;
        else hi = mid;
      }
      const i = Math.floor(lo / H);
      const j = lo % H;
      const irwinHall = () => rng.uniform() + rng.uniform() + rng.uniform() + rng.uniform() - 2;
      x[2 * s] = x0 + hx * (i + irwinHall());
      x[2 * s + 1] = y0 + hy * (j + irwinHall());
      components[s] = (H - 1 - j) * W + i;
    }
    return { x: tf.tensor2d(x, [n, 2]), components };
  };

  return {
    name: `B4 image ${W}×${H}, blur ${blur}`,
    target,
    box: { low: [-1 - 1.5 * hx, -1 - 1.5 * hy], high: [1 + 1.5 * hx, 1 + 1.5 * hy] },
    logNormalizer,
    coefficients,
    width: W,
    height: H,
    spacing: [hx, hy],
    modes,
    sample,
    regionMasses: (label, count, opts) => massesFromDraws(sample, label, count, opts),
    dispose: () => target.dispose(),
  };
}

function checkImage(image: GrayscaleImage): void {
  if (typeof image !== 'object' || image === null)
    throw new ValueError('imageDensity: image must be { width, height, pixels }.');
  const { width, height, pixels } = image;
  assertPositiveInteger(width, 'imageDensity: image.width', 4096);
  assertPositiveInteger(height, 'imageDensity: image.height', 4096);
  if (width < 4 || height < 4)
    throw new ValueError(`imageDensity: the image must be at least 4 × 4, got ${width} × ${height}.`);
  if (!(pixels instanceof Float32Array) || pixels.length !== width * height)
    throw new ShapeError(`imageDensity: image.pixels must be a Float32Array of ${width * height} values.`);
  for (const p of pixels)
    if (!(p >= 0 && p <= 1))
      throw new ValueError(`imageDensity: pixel intensities must be in [0, 1], got ${p}.`);
}

type HostEvaluate = (x: number, y: number) => { rho: number; grad: number[]; hessian: number[] };

/** Local maxima of ρ: a 4×-oversampled lattice scan, then Newton's method on ρ in float64. */
function findImageModes(
  evaluate: HostEvaluate,
  W: number,
  H: number,
  x0: number,
  y0: number,
  hx: number,
  hy: number,
  floor: number,
): number[][] {
  const F = 4;
  const nx = W * F;
  const ny = H * F;
  const at = (i: number, j: number) => [x0 + ((i + 0.5) / F - 0.5) * hx, y0 + ((j + 0.5) / F - 0.5) * hy];
  const values = new Float64Array(nx * ny);
  for (let i = 0; i < nx; i++)
    for (let j = 0; j < ny; j++) {
      const [x, y] = at(i, j) as [number, number];
      values[i * ny + j] = evaluate(x, y).rho;
    }
  const found: { x: number[]; rho: number }[] = [];
  // Only maxima that stand clear of the flat floored background count.
  for (const [i, j] of latticeMaxima(values, nx, ny, 2 * floor)) {
    const mode = newtonMaximum2d(
      (x, y) => {
        const e = evaluate(x, y);
        return {
          grad: e.grad as [number, number],
          hessian: e.hessian as [number, number, number],
          tolerance: 1e-9 * e.rho,
        };
      },
      at(i, j) as [number, number],
      50,
    );
    if (mode === undefined) continue;
    const [x, y] = mode;
    if (
      found.some(
        (m) => Math.abs((m.x[0] as number) - x) < hx / 4 && Math.abs((m.x[1] as number) - y) < hy / 4,
      )
    )
      continue;
    found.push({ x: [x, y], rho: evaluate(x, y).rho });
  }
  return found.sort((a, b) => b.rho - a.rho).map((m) => m.x);
}
