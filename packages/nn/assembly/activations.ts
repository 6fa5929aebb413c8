// Activation kernels, forward `a = f(z)` and backward `da ← da · f'(z)` (in place), 4 lanes at a
// time with a lane-0 tail, subnormal results flushed to zero (see `flush`). Codes match ACTIVATION_CODES in src/kernels/dense_wasm.ts.
import { expm1_4, flush, sigmoid4, tanh4 } from './math';

const LINEAR = 0, TANH = 1, RELU = 2, ELU = 3, SELU = 4, SILU = 5, GELU = 6;
const GELU_K: f32 = 1.5957691216057308; // 2·√(2/π)
const GELU_C: f32 = 0.044715;
const SELU_SCALE: f32 = 1.0507009873554805;
const SELU_ALPHA: f32 = 1.6732632423543772;

@inline function forward4(kind: i32, x: v128): v128 {
  return flush(forwardRaw4(kind, x));
}

@inline function backward4(kind: i32, x: v128, a: v128, d: v128): v128 {
  return flush(backwardRaw4(kind, x, a, d));
}

@inline function forwardRaw4(kind: i32, x: v128): v128 {
  const zero = f32x4.splat(0);
  switch (kind) {
    case TANH: return tanh4(x);
    case RELU: return f32x4.pmax(x, zero);
    case ELU: return v128.bitselect(x, expm1_4(x), f32x4.gt(x, zero));
    case SELU:
      return f32x4.mul(
        f32x4.splat(SELU_SCALE),
        v128.bitselect(x, f32x4.mul(f32x4.splat(SELU_ALPHA), expm1_4(x)), f32x4.gt(x, zero)),
      );
    case SILU: return f32x4.mul(x, sigmoid4(x));
    case GELU: return f32x4.mul(x, sigmoid4(geluInner(x)));
    default: return x;
  }
}

/** K·(x + C·x³), GELU's tanh-form argument as a sigmoid: x·σ(K(x + Cx³)). */
@inline function geluInner(x: v128): v128 {
  const x3 = f32x4.mul(f32x4.mul(x, x), x);
  return f32x4.mul(f32x4.splat(GELU_K), f32x4.add(x, f32x4.mul(f32x4.splat(GELU_C), x3)));
}

@inline function backwardRaw4(kind: i32, x: v128, a: v128, d: v128): v128 {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  switch (kind) {
    case TANH: return f32x4.mul(d, f32x4.sub(one, f32x4.mul(a, a)));
    case RELU: return v128.and(d, f32x4.gt(x, zero));
    case ELU: return v128.bitselect(d, f32x4.mul(d, f32x4.add(a, one)), f32x4.gt(x, zero));
    case SELU:
      return f32x4.mul(
        d,
        v128.bitselect(
          f32x4.splat(SELU_SCALE),
          f32x4.add(a, f32x4.splat(SELU_SCALE * SELU_ALPHA)),
          f32x4.gt(x, zero),
        ),
      );
    case SILU: {
      const s = sigmoid4(x);
      return f32x4.mul(d, f32x4.mul(s, f32x4.add(one, f32x4.mul(x, f32x4.sub(one, s)))));
    }
    case GELU: {
      const s = sigmoid4(geluInner(x));
      const x2 = f32x4.mul(x, x);
      const inner = f32x4.mul(f32x4.splat(GELU_K), f32x4.add(one, f32x4.mul(f32x4.splat(3 * GELU_C), x2)));
      const ds = f32x4.mul(f32x4.mul(x, f32x4.mul(s, f32x4.sub(one, s))), inner);
      return f32x4.mul(d, f32x4.add(s, ds));
    }
    default: return d;
  }
}

/** a[i] = f(z[i]) for i < n. */
export function activationForward(kind: i32, n: i32, z: usize, a: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(a + o, forward4(kind, v128.load(z + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(a + o, f32x4.extract_lane(forward4(kind, f32x4.splat(load<f32>(z + o))), 0));
  }
}

/** da[i] ← da[i] · f'(z[i]) for i < n, from z and a = f(z). */
export function activationBackward(kind: i32, n: i32, z: usize, a: usize, da: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(da + o, backward4(kind, v128.load(z + o), v128.load(a + o), v128.load(da + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const d = backward4(
      kind,
      f32x4.splat(load<f32>(z + o)),
      f32x4.splat(load<f32>(a + o)),
      f32x4.splat(load<f32>(da + o)),
    );
    store<f32>(da + o, f32x4.extract_lane(d, 0));
  }
}
