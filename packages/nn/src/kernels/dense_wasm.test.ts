import { describe, expect, it } from 'vitest';
import { typescriptDenseKernels } from '../host/host_mlp.js';
import { denseWasmAvailable, WasmDenseKernels } from './dense_wasm.js';

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
      const wasm = new WasmDenseKernels(
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

  it('refuses to allocate past its reserved memory', () => {
    const wasm = new WasmDenseKernels(8, 1);
    wasm.alloc(8);
    expect(() => wasm.alloc(1)).toThrow(RangeError);
  });
});
