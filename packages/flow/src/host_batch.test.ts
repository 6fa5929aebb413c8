import { initBackend, Rng } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { exactAssignment } from './couplings.js';
import { flowMatchingColumns, type HostBatchSpec } from './host_batch.js';
import { probabilityPath } from './paths.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

/** Data rows x1 [rows, D] (a shifted grid, so the pairs matter), conditions and group ids. */
function batchOf(rows: number, D: number, C = 0, groups = 0) {
  const rng = new Rng(5);
  const x1 = Float32Array.from({ length: rows * D }, () => 3 + rng.normal());
  const y = Float32Array.from({ length: rows * C }, (_, i) => i / 7);
  const g = Float32Array.from({ length: rows }, (_, i) => i % Math.max(groups, 1));
  return [x1, ...(C > 0 ? [y] : []), ...(groups > 0 ? [g] : [])];
}

function fill(spec: Partial<HostBatchSpec>, rows: number, batch: Float32Array[], step = 0) {
  const full: HostBatchSpec = {
    dim: 2,
    conditionDim: 0,
    path: probabilityPath('linear'),
    timeSampler: 'uniform',
    coupling: 'independent',
    grouped: false,
    rng: new Rng(1),
    ...spec,
  };
  const columns = flowMatchingColumns(full);
  const out = columns.widths.map((w) => new Float32Array(rows * w));
  columns.fill(batch, rows, out, step);
  return { widths: columns.widths, input: out[0] as Float32Array, target: out[1] as Float32Array };
}

/** On the linear path without noise `u = x1 − x0`, so the source rows are recovered as `x1 − u`. */
const sources = (x1: Float32Array, target: Float32Array) => x1.map((v, i) => v - (target[i] as number));

describe('flow matching minibatches built on the host', () => {
  it('lays out [x_t, t, y] and u_t by the path, with standard normal sources and uniform times', () => {
    const [rows, D, C] = [4000, 2, 3];
    const batch = batchOf(rows, D, C);
    const x1 = batch[0] as Float32Array;
    const { widths, input, target } = fill({ conditionDim: C }, rows, batch);
    expect(widths).toEqual([D + 1 + C, D]);
    const x0 = sources(x1, target);
    const times: number[] = [];
    for (let r = 0; r < rows; r++) {
      const t = input[r * 6 + D] as number;
      times.push(t);
      for (let d = 0; d < D; d++) {
        // x_t = (1 − t) x0 + t x1, in float32.
        const expected = (1 - t) * (x0[r * D + d] as number) + t * (x1[r * D + d] as number);
        expect(Math.abs((input[r * 6 + d] as number) - expected)).toBeLessThan(1e-5);
      }
      for (let k = 0; k < C; k++) expect(input[r * 6 + D + 1 + k]).toBe(Math.fround((r * C + k) / 7));
    }
    // Moments within 5 standard errors: N(0, 1) sources, U(0, 1) times.
    const n = rows * D;
    const mean = x0.reduce((a, b) => a + b, 0) / n;
    const second = x0.reduce((a, b) => a + b * b, 0) / n;
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(second - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    const tMean = times.reduce((a, b) => a + b, 0) / rows;
    expect(Math.abs(tMean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / rows));
    expect(times.every((t) => t > 0 && t < 1)).toBe(true);
  });

  it('logit-normal times have standard normal logits', () => {
    const rows = 4000;
    const { input } = fill({ dim: 1, timeSampler: 'logit-normal' }, rows, batchOf(rows, 1));
    const logits = Array.from({ length: rows }, (_, r) => {
      const t = input[2 * r + 1] as number;
      return Math.log(t / (1 - t));
    });
    const mean = logits.reduce((a, b) => a + b, 0) / rows;
    const variance = logits.reduce((a, b) => a + (b - mean) ** 2, 0) / (rows - 1);
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(rows));
    expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(2 / rows));
  });

  it('uses the path coefficients of any path: variance-preserving with noise recovers N(0, 1) x0 and ε', () => {
    const rows = 4000;
    const path = probabilityPath('variance-preserving', { sigma: 0.2 });
    const batch = batchOf(rows, 1);
    const x1 = batch[0] as Float32Array;
    const { input, target } = fill({ dim: 1, path }, rows, batch);
    const x0: number[] = [];
    const eps: number[] = [];
    for (let r = 0; r < rows; r++) {
      // x_t = cos·x0 + sin·x1 + σε and u_t = (π/2)(cos·x1 − sin·x0): solve for x0, then ε.
      const t = input[2 * r + 1] as number;
      const [c, s] = [Math.cos((Math.PI / 2) * t), Math.sin((Math.PI / 2) * t)];
      const a = (c * (x1[r] as number) - (2 / Math.PI) * (target[r] as number)) / s;
      x0.push(a);
      eps.push(((input[2 * r] as number) - c * a - s * (x1[r] as number)) / 0.2);
    }
    // Rows with t near 0 divide by sin ≈ 0: judge the moments on the rest.
    const keep = (v: number[]) => v.filter((_, r) => (input[2 * r + 1] as number) > 0.05);
    for (const v of [keep(x0), keep(eps)]) {
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      const second = v.reduce((a, b) => a + b * b, 0) / v.length;
      expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(v.length));
      expect(Math.abs(second - 1)).toBeLessThan(5 * Math.sqrt(2 / v.length) + 1e-3);
    }
  });

  it("'exact' pairs each minibatch optimally (within groups when grouped), as the tensor solver does", async () => {
    const [rows, D] = [48, 2];
    const batch = batchOf(rows, D);
    const x1 = batch[0] as Float32Array;
    const { target } = fill({ coupling: 'exact' }, rows, batch);
    const x0 = sources(x1, target);
    // The tensor solver finds the pairing already optimal: the identity.
    const sigma = exactAssignment(tf.tensor2d(x0, [rows, D]), tf.tensor2d(x1, [rows, D]));
    expect(Array.from(sigma)).toEqual(Array.from({ length: rows }, (_, i) => i));
    const independent = sources(x1, fill({}, rows, batch).target);
    const cost = (s: Float32Array) => s.reduce((a, v, i) => a + (v - (x1[i] as number)) ** 2, 0);
    expect(cost(x0)).toBeLessThan(cost(independent));
    // Grouped: no swap of two rows of one group lowers the cost.
    const grouped = batchOf(rows, D, 0, 3);
    const g = grouped[1] as Float32Array;
    const z1 = grouped[0] as Float32Array;
    const y0 = sources(z1, fill({ coupling: 'exact', grouped: true }, rows, grouped).target);
    const c = (i: number, j: number) =>
      ((y0[2 * j] as number) - (z1[2 * i] as number)) ** 2 +
      ((y0[2 * j + 1] as number) - (z1[2 * i + 1] as number)) ** 2;
    for (let i = 0; i < rows; i++)
      for (let j = i + 1; j < rows; j++)
        if (g[i] === g[j]) expect(c(i, i) + c(j, j)).toBeLessThanOrEqual(c(i, j) + c(j, i) + 1e-4);
  });

  it('is a function of the update index: the same step repeats, another step differs', () => {
    const batch = batchOf(16, 2);
    const a = fill({}, 16, batch, 3);
    const b = fill({}, 16, batch, 3);
    const c = fill({}, 16, batch, 4);
    expect(a.input).toEqual(b.input);
    expect(a.target).toEqual(b.target);
    expect(c.input).not.toEqual(a.input);
  });
});
