// Training losses with their gradients, for one member's outputs at a time: the mixture density
// negative log-likelihood (diagonal or isotropic Gaussian components) and the mean squared error.
// Rows run 4 to a vector: outputs are transposed into scratch first, so every load is contiguous
// whatever the head's layout, and the gradient is transposed back.
import { transposeStrided } from './dense';
import { expNonPositive4, flush, log4, sigmoid4, softplus4 } from './math';

const HALF_LOG_2PI: f32 = 0.918938533204672742;

/** Row weights `w_r · c_r / rows` (1 where absent) into `wrow`, zero on the padding rows. */
function rowWeights(rows: i32, padded: i32, weights: usize, counts: usize, countStride: i32, wrow: usize): void {
  const inv: f32 = 1 / <f32>rows;
  for (let r = 0; r < padded; r++) {
    let w: f32 = 0;
    if (r < rows) {
      w = inv;
      if (weights) w *= load<f32>(weights + (<usize>r << 2));
      if (counts) w *= load<f32>(counts + (<usize>(r * countStride) << 2));
    }
    store<f32>(wrow + (<usize>r << 2), w);
  }
}

/** src[rows × cols] (row stride `stride`) into dst[cols × padded], the padding columns zeroed. */
function transposeIn(rows: i32, cols: i32, src: usize, stride: i32, padded: i32, dst: usize): void {
  transposeStrided(rows, cols, src, stride, dst, padded);
  const rs = <usize>padded << 2;
  for (let c = 0; c < cols; c++) for (let r = rows; r < padded; r++) store<f32>(dst + <usize>c * rs + (<usize>r << 2), 0);
}

/**
 * Σ_r w_r NLL_r of a mixture of K Gaussians in D dimensions (stored at `loss`, f64) and its
 * gradient (into `grad`, rows × width, written whole). Outputs per row: `[logits K | means K·D |
 * raw scales K·S]`, S = D (diagonal) or 1 (isotropic); the variance is `(softplus(raw) + minStd)²`
 * when `std` ≠ 0, else `softplus(raw) + minStd²`, plus `jitter`. `weights` (rows) and `counts`
 * (`countStride` apart) are optional (0). `scratch`: {@link mixtureNllScratch} floats.
 */
export function mixtureNll(
  rows: i32, K: i32, D: i32, S: i32, std: i32, minStd: f32, jitter: f32,
  out: usize, y: usize, weights: usize, counts: usize, countStride: i32,
  grad: usize, loss: usize, scratch: usize,
): void {
  const width = K * (1 + D + S);
  const padded = (rows + 3) & ~3;
  const rs = <usize>padded << 2;
  const outT = scratch;
  const yT = outT + <usize>width * rs;
  const gradT = yT + <usize>D * rs;
  const wrow = gradT + <usize>width * rs;
  const vVar = wrow + rs; // per (k, j): variance and ∂variance/∂raw, one vector each
  const vDv = vVar + (<usize>(K * S) << 4);
  const vLogPi = vDv + (<usize>(K * S) << 4);
  const vLogW = vLogPi + (<usize>K << 4);
  transposeIn(rows, width, out, width, padded, outT);
  transposeIn(rows, D, y, D, padded, yT);
  rowWeights(rows, padded, weights, counts, countStride, wrow);
  const meanAt = K;
  const scaleAt = K + K * D;
  const floor2 = minStd * minStd;
  const one = f32x4.splat(1), half = f32x4.splat(0.5), ms = f32x4.splat(minStd), jit = f32x4.splat(jitter);
  let total: f64 = 0;
  for (let r = 0; r < padded; r += 4) {
    const ro = <usize>r << 2;
    const wv = v128.load(wrow + ro);
    let maxL = v128.load(outT + ro);
    for (let k = 1; k < K; k++) maxL = f32x4.pmax(maxL, v128.load(outT + <usize>k * rs + ro));
    let z = f32x4.splat(0);
    for (let k = 0; k < K; k++) z = f32x4.add(z, expNonPositive4(f32x4.sub(v128.load(outT + <usize>k * rs + ro), maxL)));
    const logZ = f32x4.add(maxL, log4(z));
    let maxW = f32x4.splat(-3.4e38);
    for (let k = 0; k < K; k++) {
      for (let j = 0; j < S; j++) {
        const raw = v128.load(outT + <usize>(scaleAt + k * S + j) * rs + ro);
        const sp = softplus4(raw);
        const sig = sigmoid4(raw);
        const o = <usize>(k * S + j) << 4;
        if (std) {
          const sd = f32x4.add(sp, ms);
          v128.store(vVar + o, f32x4.add(f32x4.mul(sd, sd), jit));
          v128.store(vDv + o, f32x4.mul(f32x4.mul(f32x4.splat(2), sd), sig));
        } else {
          v128.store(vVar + o, f32x4.add(f32x4.add(sp, f32x4.splat(floor2)), jit));
          v128.store(vDv + o, sig);
        }
      }
      let quad = f32x4.splat(0); // Σ_d diff²/s
      let logDet = f32x4.splat(0); // Σ_d log s
      for (let d = 0; d < D; d++) {
        const s = v128.load(vVar + (<usize>(k * S + (S == 1 ? 0 : d)) << 4));
        const diff = f32x4.sub(v128.load(yT + <usize>d * rs + ro), v128.load(outT + <usize>(meanAt + k * D + d) * rs + ro));
        quad = f32x4.add(quad, f32x4.div(f32x4.mul(diff, diff), s));
        if (S != 1) logDet = f32x4.add(logDet, log4(s));
      }
      if (S == 1) logDet = f32x4.mul(f32x4.splat(<f32>D), log4(v128.load(vVar + (<usize>k << 4))));
      const ln = f32x4.sub(f32x4.splat(-<f32>D * HALF_LOG_2PI), f32x4.mul(half, f32x4.add(quad, logDet)));
      const logPi = f32x4.sub(v128.load(outT + <usize>k * rs + ro), logZ);
      const logW = f32x4.add(logPi, ln);
      v128.store(vLogPi + (<usize>k << 4), logPi);
      v128.store(vLogW + (<usize>k << 4), logW);
      maxW = f32x4.pmax(maxW, logW);
    }
    let zw = f32x4.splat(0);
    for (let k = 0; k < K; k++) zw = f32x4.add(zw, expNonPositive4(f32x4.sub(v128.load(vLogW + (<usize>k << 4)), maxW)));
    const nll = f32x4.mul(wv, f32x4.add(maxW, log4(zw)));
    total -= <f64>f32x4.extract_lane(nll, 0) + <f64>f32x4.extract_lane(nll, 1) +
      <f64>f32x4.extract_lane(nll, 2) + <f64>f32x4.extract_lane(nll, 3);
    for (let k = 0; k < K; k++) {
      const gamma = f32x4.div(expNonPositive4(f32x4.sub(v128.load(vLogW + (<usize>k << 4)), maxW)), zw);
      const pi = expNonPositive4(v128.load(vLogPi + (<usize>k << 4)));
      v128.store(gradT + <usize>k * rs + ro, flush(f32x4.mul(wv, f32x4.sub(pi, gamma))));
      for (let j = 0; j < S; j++) v128.store(gradT + <usize>(scaleAt + k * S + j) * rs + ro, f32x4.splat(0));
      for (let d = 0; d < D; d++) {
        const j = S == 1 ? 0 : d;
        const s = v128.load(vVar + (<usize>(k * S + j) << 4));
        const diff = f32x4.sub(v128.load(yT + <usize>d * rs + ro), v128.load(outT + <usize>(meanAt + k * D + d) * rs + ro));
        const u = f32x4.div(diff, s);
        v128.store(gradT + <usize>(meanAt + k * D + d) * rs + ro, flush(f32x4.neg(f32x4.mul(f32x4.mul(wv, gamma), u))));
        // ∂/∂s = γ (1/s − diff²/s²)/2, chained through ∂s/∂raw.
        const dS = f32x4.mul(f32x4.mul(half, gamma), f32x4.sub(f32x4.div(one, s), f32x4.mul(u, u)));
        const at = gradT + <usize>(scaleAt + k * S + j) * rs + ro;
        v128.store(at, f32x4.add(v128.load(at), f32x4.mul(f32x4.mul(wv, dS), v128.load(vDv + (<usize>(k * S + j) << 4)))));
      }
      for (let j = 0; j < S; j++) {
        const at = gradT + <usize>(scaleAt + k * S + j) * rs + ro;
        v128.store(at, flush(v128.load(at)));
      }
    }
  }
  transposeStrided(width, rows, gradT, padded, grad, width);
  store<f64>(loss, total);
}

/** Scratch floats {@link mixtureNll} needs. */
export function mixtureNllScratch(rows: i32, K: i32, D: i32, S: i32): i32 {
  const padded = (rows + 3) & ~3;
  return (2 * K * (1 + D + S) + D + 1) * padded + 4 * (2 * K * S + 2 * K);
}

/**
 * scale · Σ_r w_r Σ_j (out − y)²_rj / width (stored at `loss`, f64; w_r = weights_r · counts_r /
 * rows, 1 where absent) and its gradient into `grad`: the mean squared error over rows × width
 * (scale = width gives the mean over rows of the squared error norm).
 */
export function meanSquaredError(
  rows: i32, width: i32, out: usize, y: usize, weights: usize, counts: usize, countStride: i32,
  grad: usize, loss: usize, scale: f32,
): void {
  let total: f64 = 0;
  const inv: f32 = scale / <f32>(rows * width);
  for (let r = 0; r < rows; r++) {
    let w: f32 = inv;
    if (weights) w *= load<f32>(weights + (<usize>r << 2));
    if (counts) w *= load<f32>(counts + (<usize>(r * countStride) << 2));
    const wv = f32x4.splat(w);
    const two = f32x4.splat(2 * w);
    const o = <usize>(r * width) << 2;
    let acc = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= width; j += 4) {
      const at = o + (<usize>j << 2);
      const e = f32x4.sub(v128.load(out + at), v128.load(y + at));
      acc = f32x4.add(acc, f32x4.mul(f32x4.mul(e, e), wv));
      v128.store(grad + at, flush(f32x4.mul(two, e)));
    }
    let rest: f64 = 0;
    for (; j < width; j++) {
      const at = o + (<usize>j << 2);
      const e = load<f32>(out + at) - load<f32>(y + at);
      rest += <f64>(w * e * e);
      store<f32>(grad + at, 2 * w * e);
    }
    total += <f64>f32x4.extract_lane(acc, 0) + <f64>f32x4.extract_lane(acc, 1) +
      <f64>f32x4.extract_lane(acc, 2) + <f64>f32x4.extract_lane(acc, 3) + rest;
  }
  store<f64>(loss, total);
}
