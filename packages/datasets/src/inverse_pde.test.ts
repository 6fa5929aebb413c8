import { initBackend, ShapeError, ValueError } from '@polymodal/tensor';
import { expectNoLeak } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { inversePde, solveRod } from './inverse_pde.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

const kappa = (x: number) => 1 + 0.5 * Math.sin(Math.PI * x) ** 2;
// Manufactured solution u = sin(πx): f = −(κu')' = π² sin(πx) (κ − cos²(πx)).
const rhs = (x: number) => Math.PI ** 2 * Math.sin(Math.PI * x) * (kappa(x) - Math.cos(Math.PI * x) ** 2);

function rodError(n: number): number {
  const h = 1 / (n + 1);
  const u = solveRod(
    Float64Array.from({ length: n }, (_, i) => rhs((i + 1) * h)),
    kappa,
  );
  return Math.max(...Array.from(u, (v, i) => Math.abs(v - Math.sin(Math.PI * (i + 1) * h))));
}

/** log ρ from the float64 forward model, independently of the benchmark's own formula. */
function hostLogDensity(b: ReturnType<typeof inversePde>, theta: number[]): number {
  const u = b.forward(theta);
  const misfit = u.reduce((a, v, k) => a + ((v - (b.observations[k] as number)) / 0.015) ** 2, 0);
  return -0.5 * misfit - 0.5 * theta.reduce((a, t) => a + ((t - 0.5) / 0.3) ** 2, 0);
}

describe('B5 inverse PDE', () => {
  it('solves the rod equation to second order (manufactured solution)', () => {
    const coarse = rodError(49);
    const fine = rodError(99);
    expect(fine).toBeLessThan(1e-3);
    expect(coarse / fine).toBeGreaterThan(3.6);
    expect(coarse / fine).toBeLessThan(4.4);
  });

  it('is the posterior of its forward model, with the analytic score', () => {
    const b = inversePde();
    const pts = [
      [0.31, 0.6],
      [0.55, 0.25],
      [0.1, 0.9],
      [-0.2, 1.1],
    ];
    const lp = b.target.logDensity(tf.tensor2d(pts)).arraySync() as number[];
    pts.forEach((p, i) => {
      const host = hostLogDensity(b, p);
      expect(Math.abs((lp[i] as number) - host)).toBeLessThan(1e-5 * Math.max(1, Math.abs(host)));
    });
    const g = b.target.gradLogDensity(tf.tensor2d(pts)).arraySync() as number[][];
    const e = 1e-6;
    pts.forEach((p, i) => {
      for (const d of [0, 1]) {
        const up = p.map((v, k) => (k === d ? v + e : v));
        const down = p.map((v, k) => (k === d ? v - e : v));
        const fd = (hostLogDensity(b, up) - hostLogDensity(b, down)) / (2 * e);
        expect(Math.abs(((g[i] as number[])[d] as number) - fd)).toBeLessThan(
          1e-4 * Math.max(1, Math.abs(fd)),
        );
      }
    });
    b.dispose();
  });

  it('has the log Z and the region masses that an independent quadrature gives', async () => {
    const b = inversePde();
    // Midpoint rule in float64 from the forward model over [−0.5, 1.5]², where the mass is.
    const m = 400;
    const h = 2 / m;
    const values: number[] = [];
    let peak = -Infinity;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < m; j++) {
        const v = hostLogDensity(b, [-0.5 + (i + 0.5) * h, -0.5 + (j + 0.5) * h]);
        values.push(v);
        peak = Math.max(peak, v);
      }
    let z = 0;
    let below = 0;
    values.forEach((v, q) => {
      const w = Math.exp(v - peak);
      z += w;
      const i = Math.floor(q / m);
      const j = q % m;
      if (i < j) below += w; // s₁ < s₂ (the diagonal cells have measure → 0)
    });
    const logZ = peak + Math.log(z * h * h);
    expect(Math.abs(b.logNormalizer - logZ)).toBeLessThan(1e-4);
    const masses = await b.regionMasses(
      (x) =>
        tf.tidy(
          () =>
            tf
              .cast(tf.greaterEqual(tf.sub(x.slice([0, 0], [-1, 1]), x.slice([0, 1], [-1, 1])), 0), 'int32')
              .reshape([-1]) as tf.Tensor1D,
        ),
      2,
    );
    expect(masses.method).toBe('quadrature');
    expect(Math.abs((masses.masses[0] as number) - below / z)).toBeLessThan(2e-3);
    expect((masses.masses[0] as number) + (masses.masses[1] as number)).toBeCloseTo(1, 6);
    b.dispose();
  });

  it('has two modes: the truth, and the mirrored explanation with less mass', async () => {
    const b = inversePde();
    expect(b.modes).toHaveLength(2);
    const [main, second] = b.modes as [number[], number[]];
    expect(Math.hypot((main[0] as number) - 0.3, (main[1] as number) - 0.65)).toBeLessThan(0.01);
    expect(second[0]).toBeGreaterThan(second[1] as number);
    const score = b.target.gradLogDensity(tf.tensor2d(b.modes)).arraySync() as number[][];
    for (const s of score) expect(Math.hypot(...s)).toBeLessThan(1);
    // The modes sit on opposite sides of s₁ = s₂, so the half-plane masses are the mode weights.
    const masses = await b.regionMasses(
      (x) =>
        tf.tidy(
          () =>
            tf
              .cast(tf.greater(tf.sub(x.slice([0, 0], [-1, 1]), x.slice([0, 1], [-1, 1])), 0), 'int32')
              .reshape([-1]) as tf.Tensor1D,
        ),
      2,
    );
    expect(masses.masses[0]).toBeGreaterThan(0.55);
    expect(masses.masses[0]).toBeLessThan(0.67);
    b.dispose();
  });

  it('rejects bad options and leaks nothing', async () => {
    expect(() => inversePde({ noise: 0 })).toThrow(ValueError);
    expect(() => inversePde({ sensors: [0.5, 1.2] })).toThrow(ValueError);
    expect(() => inversePde({ sensors: [] })).toThrow(ShapeError);
    expect(() => inversePde({ truth: [0.3] as never })).toThrow(ShapeError);
    expect(() => inversePde({ sources: 2 } as never)).toThrow(ValueError);
    await expectNoLeak(async () => {
      const b = inversePde();
      const x = tf.tensor2d([[0.3, 0.6]]);
      tf.dispose([b.target.logDensity(x), b.target.gradLogDensity(x), x]);
      await b.regionMasses((p) => tf.zeros([p.shape[0]], 'int32') as tf.Tensor1D, 1);
      b.dispose();
    });
  });
});
