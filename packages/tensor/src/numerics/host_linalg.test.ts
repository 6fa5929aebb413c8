import { describe, expect, it } from 'vitest';
import { ValueError } from '../errors.js';
import { cholesky, inverseSpd } from './host_linalg.js';

describe('host linear algebra', () => {
  // A = B Bᵀ + I for a fixed B: symmetric positive definite.
  const n = 4;
  const B = [1, 2, 0, -1, 0.5, -1, 3, 0, 2, 0, 1, 1, -1, 1, 0, 2];
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = i === j ? 1 : 0;
      for (let k = 0; k < n; k++) s += (B[i * n + k] as number) * (B[j * n + k] as number);
      A[i * n + j] = s;
    }

  it('cholesky reconstructs A = L Lᵀ with L lower triangular', () => {
    const L = cholesky(A, n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        if (j > i) expect(L[i * n + j]).toBe(0);
        let s = 0;
        for (let k = 0; k < n; k++) s += (L[i * n + k] as number) * (L[j * n + k] as number);
        expect(s).toBeCloseTo(A[i * n + j] as number, 12);
      }
  });

  it('inverseSpd gives A A⁻¹ = I, and both reject an indefinite matrix', () => {
    const inv = inverseSpd(A, n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += (A[i * n + k] as number) * (inv[k * n + j] as number);
        expect(s).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    const bad = Float64Array.from([1, 2, 2, 1]);
    expect(() => cholesky(bad, 2)).toThrow(ValueError);
    expect(() => inverseSpd(bad, 2)).toThrow(ValueError);
  });
});
