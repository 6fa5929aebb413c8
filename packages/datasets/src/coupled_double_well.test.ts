import { initBackend, ValueError } from '@polymodal/tensor';
import { expectNoLeak } from '@polymodal/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { coupledDoubleWell } from './coupled_double_well.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('coupledDoubleWell', () => {
  it('without noise or coupling follows dq/dt = q − q³ exactly (closed-form solution)', () => {
    const bench = coupledDoubleWell({ dt: 0.001 });
    const q0 = [0.3, -0.5, 1.2, -1.4, 0.05];
    const y = bench.sampleTargets([[...q0, 1e-9, 0]], 0).arraySync()[0] as number[];
    // Observed after 1250, 2500, 3750, 5000 steps of 0.001 (indices 1249, ... 4999).
    for (const [i, t] of [1.25, 2.5, 3.75, 5].entries())
      for (const [p, q] of q0.entries()) {
        const exact = (q * Math.exp(t)) / Math.sqrt(1 + q * q * (Math.exp(2 * t) - 1));
        expect(Math.abs((y[i * 5 + p] as number) - exact)).toBeLessThan(3e-3);
      }
  });

  it('spreads as the linearised SDE at short times: Var q(t) = σ² (e^{2t} − 1) / 2 around 0', () => {
    const bench = coupledDoubleWell({ particles: 1, dt: 0.0005, finalTime: 0.04, observations: 1 });
    const n = 20_000;
    const sigma = 1.5;
    const y = Array.from(
      bench
        .sampleTargets(
          Array.from({ length: n }, () => [0, sigma, 0]),
          3,
        )
        .dataSync(),
    );
    const mean = y.reduce((a, v) => a + v, 0) / n;
    const variance = y.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
    const t = 0.04;
    const expected = (sigma * sigma * (Math.exp(2 * t) - 1)) / 2;
    expect(Math.abs(mean)).toBeLessThan(4 * Math.sqrt(expected / n));
    expect(Math.abs(variance / expected - 1)).toBeLessThan(4 * Math.sqrt(2 / n) + 0.01);
  });

  it('draws inputs in their ranges and gives 20 outputs, bimodal at moderate noise', () => {
    const bench = coupledDoubleWell();
    expect([bench.inputDim, bench.outputDim]).toEqual([7, 20]);
    const x = bench.sampleInputs(2000, 0).arraySync();
    expect(x.every((r) => r.slice(0, 5).every((q) => Math.abs(q) <= 1.5))).toBe(true);
    expect(x.every((r) => (r[5] as number) >= 0.3 && (r[5] as number) <= 2 && (r[6] as number) <= 3)).toBe(
      true,
    );
    // From q0 = 0 with σ = 0.8 and strong coupling, the chain ends in one of two wells, ±1.
    const y = bench
      .sampleTargets(
        Array.from({ length: 400 }, () => [0, 0, 0, 0, 0, 0.8, 2]),
        1,
      )
      .arraySync();
    const last = y.map((r) => r.slice(15).reduce((a, v) => a + v, 0) / 5);
    const up = last.filter((v) => v > 0.5).length;
    const down = last.filter((v) => v < -0.5).length;
    expect(up).toBeGreaterThan(100);
    expect(down).toBeGreaterThan(100);
  });

  it('rejects bad options and inputs with typed errors', async () => {
    expect(() => coupledDoubleWell({ dt: 0 })).toThrow(ValueError);
    expect(() => coupledDoubleWell({ particle: 5 } as never)).toThrow(ValueError);
    expect(() => coupledDoubleWell({ finalTime: 1e9 })).toThrow(ValueError);
    await expectNoLeak(() => {
      expect(() => coupledDoubleWell().sampleTargets([[0, 0, 0]], 0)).toThrow(ValueError);
    });
  });
});
