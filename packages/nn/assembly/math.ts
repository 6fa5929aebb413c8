// Vector (4 × f32) elementary functions for the activation kernels. exp4 is the Cephes expf
// scheme: x = n·ln2 + r with |r| ≤ ln2/2, a degree-6 polynomial for e^r (relative error about
// 1 ulp), and 2^n built in the exponent bits.

const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const EXP_MAX: f32 = 88.3762626647949;
const EXP_MIN: f32 = -87.3365447504;

/** 1.5·2²³: adding it rounds a float below 2²² to an integer held in the low mantissa bits. */
const ROUND_MAGIC: f32 = 12582912.0;

/** e^x lane-wise; clamped to the finite float32 range (e^x of NaN is unspecified). */
@inline export function exp4(x: v128): v128 {
  x = f32x4.pmin(f32x4.pmax(x, f32x4.splat(EXP_MIN)), f32x4.splat(EXP_MAX));
  // n = round(x·log2 e) by the magic-number trick: V8 lowers f32x4.nearest and, above all,
  // i32x4.trunc_sat to long instruction sequences on x86, which made exp the activations' cost.
  const t = f32x4.add(f32x4.mul(x, f32x4.splat(LOG2E)), f32x4.splat(ROUND_MAGIC));
  const n = f32x4.sub(t, f32x4.splat(ROUND_MAGIC));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1));
  // n ∈ [−126, 127] after the clamp, so 2^n is a normal float built from its exponent field; the
  // integer n is t's bit pattern minus the magic number's.
  const pow2 = i32x4.shl(i32x4.add(t, i32x4.splat(127 - 0x4b400000)), 23);
  return f32x4.mul(p, pow2);
}

/** e^x − 1 lane-wise, with a Taylor polynomial near 0 where e^x − 1 would cancel. */
@inline export function expm1_4(x: v128): v128 {
  const big = f32x4.sub(exp4(x), f32x4.splat(1));
  // |x| < 1/8: x + x²/2 + … + x⁶/720 (truncation below 1e-11).
  let p = f32x4.splat(1.0 / 720);
  p = f32x4.add(f32x4.mul(p, x), f32x4.splat(1.0 / 120));
  p = f32x4.add(f32x4.mul(p, x), f32x4.splat(1.0 / 24));
  p = f32x4.add(f32x4.mul(p, x), f32x4.splat(1.0 / 6));
  p = f32x4.add(f32x4.mul(p, x), f32x4.splat(0.5));
  p = f32x4.add(f32x4.mul(f32x4.mul(p, x), x), x);
  return v128.bitselect(p, big, f32x4.lt(f32x4.abs(x), f32x4.splat(0.125)));
}

/** 1 / (1 + e^−x) lane-wise. */
@inline export function sigmoid4(x: v128): v128 {
  return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), exp4(f32x4.neg(x))));
}

/** tanh lane-wise: Cephes tanhf's odd polynomial below 0.625, 1 − 2/(e^{2|x|} + 1) above. */
@inline export function tanh4(x: v128): v128 {
  const ax = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  let p = f32x4.splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-3.33332819422e-1));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x);
  const e = exp4(f32x4.add(ax, ax));
  let large = f32x4.sub(f32x4.splat(1), f32x4.div(f32x4.splat(2), f32x4.add(e, f32x4.splat(1))));
  // Copy x's sign onto tanh|x|.
  large = v128.or(large, v128.and(x, i32x4.splat(0x80000000)));
  return v128.bitselect(small, large, f32x4.lt(ax, f32x4.splat(0.625)));
}

const SQRT_HALF: f32 = 0.707106781186547524;

/** Natural log lane-wise for positive finite x (Cephes logf: mantissa in [√½, √2), degree-9 polynomial). */
@inline export function log4(x: v128): v128 {
  x = f32x4.pmax(x, f32x4.splat(1.17549435e-38));
  // x = m·2^e with m ∈ [½, 1).
  let e = i32x4.sub(i32x4.shr_u(x, 23), i32x4.splat(126));
  let m = v128.or(v128.and(x, i32x4.splat(0x807fffff)), i32x4.splat(0x3f000000));
  const low = f32x4.lt(m, f32x4.splat(SQRT_HALF));
  e = i32x4.add(e, low); // the mask lanes are −1
  const f = v128.bitselect(f32x4.sub(f32x4.add(m, m), f32x4.splat(1)), f32x4.sub(m, f32x4.splat(1)), low);
  const ef = f32x4.convert_i32x4_s(e);
  const z = f32x4.mul(f, f);
  let p = f32x4.splat(7.0376836292e-2);
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(-1.1514610310e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(1.1676998740e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(-1.2420140846e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(1.4249322787e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(-1.6668057665e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(2.0000714765e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(-2.4999993993e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(3.3333331174e-1));
  let y = f32x4.mul(f32x4.mul(p, f), z);
  y = f32x4.add(y, f32x4.mul(ef, f32x4.splat(LN2_LO)));
  y = f32x4.sub(y, f32x4.mul(z, f32x4.splat(0.5)));
  return f32x4.add(f32x4.add(f, y), f32x4.mul(ef, f32x4.splat(LN2_HI)));
}

/** log(1 + u) lane-wise for u ≥ 0, accurate for tiny u (Goldberg: log(t)·u/(t − 1), t = 1 + u). */
@inline export function log1p4(u: v128): v128 {
  const t = f32x4.add(f32x4.splat(1), u);
  const d = f32x4.sub(t, f32x4.splat(1));
  const r = f32x4.div(f32x4.mul(log4(t), u), d);
  return v128.bitselect(u, r, f32x4.eq(d, f32x4.splat(0)));
}

/** softplus(x) = log(1 + eˣ) lane-wise, as max(x, 0) + log1p(e^−|x|). */
@inline export function softplus4(x: v128): v128 {
  return f32x4.add(f32x4.pmax(x, f32x4.splat(0)), log1p4(exp4(f32x4.neg(f32x4.abs(x)))));
}

const FLT_MIN: f32 = 1.17549435e-38;

/**
 * Subnormal lanes set to zero. x86 runs arithmetic on subnormal floats in microcode, about 100×
 * slower, and WebAssembly may not switch that off, so one subnormal-rich gradient (a far mixture
 * component's responsibilities, saturated GELUs) slowed whole backward passes 2×; values below
 * 1.2e-38 carry no information a float32 training step can use.
 */
@inline export function flush(v: v128): v128 {
  return v128.and(v, f32x4.ge(f32x4.abs(v), f32x4.splat(FLT_MIN)));
}

/**
 * e^x lane-wise for x ≤ 0, exactly 0 below e^−60: mixture responsibilities of far components
 * would otherwise be subnormal (see `flush`), and below 1e−26 of the largest they cannot change
 * a float32 sum.
 */
@inline export function expNonPositive4(x: v128): v128 {
  const floor = f32x4.splat(-60);
  return v128.and(exp4(f32x4.pmax(x, floor)), f32x4.ge(x, floor));
}
