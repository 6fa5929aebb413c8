import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { activationForms } from '../../test/activation_forms.js';
import { ACTIVATIONS, activate } from '../activations.js';
import { typescriptDenseKernels } from '../host/host_mlp.js';
import { adamUpdateArrays } from './adam_kernel.js';
import { denseWasmAvailable, relaxedSimdAvailable, WasmDenseKernels } from './dense_wasm.js';

/** Float64 reference of `h·w + b`, `hᵀ·dz`, `Σ dz` and `dz·wᵀ`. */
function reference(
  h: Float32Array,
  w: Float32Array,
  b: Float32Array,
  dz: Float32Array,
  rows: number,
  nIn: number,
  nOut: number,
) {
  const z = new Float64Array(rows * nOut);
  const gw = new Float64Array(nIn * nOut);
  const gb = new Float64Array(nOut);
  const dh = new Float64Array(rows * nIn);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < nOut; j++) {
      let s = b[j] as number;
      for (let p = 0; p < nIn; p++) s += (h[r * nIn + p] as number) * (w[p * nOut + j] as number);
      z[r * nOut + j] = s;
      gb[j] = (gb[j] as number) + (dz[r * nOut + j] as number);
    }
  for (let p = 0; p < nIn; p++)
    for (let j = 0; j < nOut; j++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += (h[r * nIn + p] as number) * (dz[r * nOut + j] as number);
      gw[p * nOut + j] = s;
    }
  for (let r = 0; r < rows; r++)
    for (let p = 0; p < nIn; p++) {
      let s = 0;
      for (let j = 0; j < nOut; j++) s += (dz[r * nOut + j] as number) * (w[p * nOut + j] as number);
      dh[r * nIn + p] = s;
    }
  return { z, gw, gb, dh };
}

/** Largest |a − b| relative to the reference's largest magnitude. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  return err / scale;
}

// Shapes cover the 4 × 8 register tile, its 4-wide and scalar column tails and the row tail.
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [3, 4, 2],
  [4, 8, 8],
  [7, 13, 9],
  [21, 37, 64],
  [128, 20, 615],
  [33, 256, 31],
];

describe('WebAssembly SIMD dense kernels', () => {
  it('are available (Node 20 and current browsers have WebAssembly SIMD)', () => {
    expect(denseWasmAvailable()).toBe(true);
  });

  it.each(SHAPES)(
    'rows %i, in %i, out %i: affine, weight and input gradients match float64',
    (rows, nIn, nOut) => {
      const { reserve } = WasmDenseKernels;
      const wasm = WasmDenseKernels.create(
        reserve(rows * nIn) * 2 + reserve(nIn * nOut) * 2 + reserve(nOut) * 2 + reserve(rows * nOut) * 2,
        nIn * nOut,
      );
      let seed = rows * 1000 + nIn * 10 + nOut;
      const fill = (a: Float32Array) => {
        for (let i = 0; i < a.length; i++) {
          seed = (seed * 1103515245 + 12345) % 2147483648;
          a[i] = seed / 2147483648 - 0.5;
        }
        return a;
      };
      const h = fill(wasm.alloc(rows * nIn));
      const w = fill(wasm.alloc(nIn * nOut));
      const b = fill(wasm.alloc(nOut));
      const dz = fill(wasm.alloc(rows * nOut));
      const z = wasm.alloc(rows * nOut);
      const gw = wasm.alloc(nIn * nOut);
      const gb = wasm.alloc(nOut);
      const dh = wasm.alloc(rows * nIn);
      const ref = reference(h, w, b, dz, rows, nIn, nOut);
      wasm.affine(h, w, b, z, rows, nIn, nOut);
      wasm.weightGradients(h, dz, gw, gb, rows, nIn, nOut);
      wasm.inputGradient(dz, w, dh, rows, nIn, nOut);
      // float32 accumulation over ≤ 615 terms: ~1e-6 relative; a wrong index is O(1).
      for (const [got, want] of [
        [z, ref.z],
        [gw, ref.gw],
        [gb, ref.gb],
        [dh, ref.dh],
      ] as const)
        expect(relativeError(got, want)).toBeLessThan(2e-5);
      // The TypeScript fallback computes the same products.
      const zt = new Float32Array(rows * nOut);
      typescriptDenseKernels.affine(h, w, b, zt, rows, nIn, nOut);
      expect(relativeError(zt, ref.z)).toBeLessThan(2e-5);
    },
  );

  // Node 20 runs the relaxed-SIMD build (fused multiply-add in the GEMM) only behind a flag, so a
  // child Node with the flag runs these kernel tests, the fit() step tests and the inference
  // tests on it; in the child this test checks the relaxed build is the one in use.
  it('the relaxed-SIMD build passes the kernel, step and inference tests too', () => {
    if (process.env.POLYMODAL_RELAXED_CHILD) {
      expect(relaxedSimdAvailable()).toBe(true);
      return;
    }
    const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
    const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
    const files = ['src/kernels/dense_wasm.test.ts', 'src/training/stepper.test.ts', 'src/inference'];
    const flag = '--execArgv=--experimental-wasm-relaxed-simd'; // for vitest's workers
    const r = spawnSync(process.execPath, [vitest, 'run', flag, ...files], {
      cwd: root,
      env: { ...process.env, POLYMODAL_RELAXED_CHILD: '1' },
      encoding: 'utf8',
    });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  }, 300_000);

  it('refuses to allocate past its reserved memory', () => {
    const wasm = WasmDenseKernels.create(8, 1);
    wasm.alloc(8);
    expect(() => wasm.alloc(1)).toThrow(RangeError);
  });

  // 0, both sides of tanh's 0.625 switch and of expm1's 1/8, the saturating tails, and a length
  // that leaves a 3-element scalar tail.
  const Z = [
    0, 1e-6, -1e-6, 0.01, -0.01, 0.124, -0.126, 0.3, -0.3, 0.62, -0.63, 1, -1, 2.5, -2.5, 5, -5, 9, -9, 15,
    -15, 30, -30, 88, -88, 100, -100,
  ];
  for (let i = 0; i < 100; i++) Z.push(-8 + 0.1613 * i);

  it.each([...ACTIVATIONS])('%s: values and derivatives match float64 and tfjs autodiff', async (a) => {
    const [f, df] = activationForms[a];
    const n = Z.length;
    const wasm = WasmDenseKernels.create(4 * WasmDenseKernels.reserve(n), 1);
    const z = wasm.alloc(n);
    z.set(Z);
    const y = wasm.alloc(n);
    wasm.activate(a, z, y);
    const d = wasm.alloc(n);
    const up = Z.map((_, i) => Math.cos(3 * i)); // an upstream gradient
    d.set(up);
    wasm.activationGradient(a, z, y, d);
    const zf = Array.from(z); // the float32 inputs the kernel saw
    // A few ulp of the result, with absolute floors for what float32 cannot resolve (1 − tanh²
    // near saturation cancels, as it does in every float32 framework); a wrong constant or branch
    // is off by orders of magnitude more somewhere on the grid.
    for (let i = 0; i < n; i++) {
      const x = zf[i] as number;
      expect(Math.abs((y[i] as number) - f(x))).toBeLessThanOrEqual(4e-7 * Math.abs(f(x)) + 1e-7);
      const u = up[i] as number;
      const g = u * df(x);
      expect(Math.abs((d[i] as number) - g)).toBeLessThanOrEqual(4e-6 * Math.abs(g) + 1e-6 * Math.abs(u));
    }
    // And the gradient tfjs's autodiff gives the library's own activation (float32 throughout).
    await initBackend({ backend: 'cpu' });
    const zt = tf.tensor1d(zf);
    const ut = tf.tensor1d(up);
    const yt = activate(zt, a);
    const gt = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(activate(t, a), ut)))(zt);
    const [value, grad] = [yt.dataSync(), gt.dataSync()];
    tf.dispose([zt, ut, yt, gt]);
    for (let i = 0; i < n; i++) {
      const v = value[i] as number;
      const g = grad[i] as number;
      expect(Math.abs((y[i] as number) - v)).toBeLessThanOrEqual(1e-6 * Math.max(Math.abs(v), 1));
      expect(Math.abs((d[i] as number) - g)).toBeLessThanOrEqual(1e-5 * Math.max(Math.abs(g), 1));
    }
  });

  it.each([
    ['plain Adam', 0, 1],
    ['AdamW with adaptive clipping', 0.02, 0.999],
  ])('%s matches the float64 TypeScript update over 5 steps', (_, agc, decay) => {
    const rows = 7;
    const units = 13; // a 4-wide body and a scalar tail per row
    const n = rows * units;
    const wasm = WasmDenseKernels.create(8 * WasmDenseKernels.reserve(n), n);
    const [w, g, m, v] = [0, 1, 2, 3].map(() => wasm.alloc(n)) as Float32Array[];
    const ref = [0, 1, 2, 3].map(() => new Float32Array(n)) as Float32Array[];
    for (let i = 0; i < n; i++) (w as Float32Array)[i] = Math.sin(i);
    (ref[0] as Float32Array).set(w as Float32Array);
    for (let t = 1; t <= 5; t++) {
      for (let i = 0; i < n; i++) (g as Float32Array)[i] = Math.cos(i * t) * (i % units === 3 ? 50 : 1);
      (ref[1] as Float32Array).set(g as Float32Array);
      const attrs = { beta1: 0.9, beta2: 0.999, step: 0.01 * t, eps: 1e-8, decay, agc, agcEps: 1e-3, units };
      wasm.adam(attrs, w as Float32Array, g as Float32Array, m as Float32Array, v as Float32Array);
      const [rw, rg, rm, rv] = ref as [Float32Array, Float32Array, Float32Array, Float32Array];
      adamUpdateArrays(attrs, [rw, rg, rm, rv], [rw, rm, rv]);
    }
    for (const [got, want] of [
      [w, ref[0]],
      [m, ref[2]],
      [v, ref[3]],
    ] as [Float32Array, Float32Array][])
      expect(relativeError(got, want)).toBeLessThan(3e-5); // float32 against float64 arithmetic
    // Clipping really engaged: unit 3's gradients were 50× the rest.
    if (agc > 0) expect(Math.abs((m as Float32Array)[3] as number)).toBeLessThan(1);
  });
});
