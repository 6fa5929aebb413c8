// The bridge acceptance test of samplers spec §10.8 at full size: the half-plane mixture
// 5 (0.3 N((−2, 0), I) + 0.7 N((2, 0), I)) on {x₁ > 0}, exact mass 5 (0.3 Φ(−2) + 0.7 Φ(2)),
// estimated from 4000 exact draws and 2000 proposal draws, 50 repetitions with fresh draws:
// |log Ẑ − log Z| ≤ 3 se each, coverage of ±2 se in [0.88, 0.99], F-S error within 30 % of the
// empirical SD.
import { initBackend } from '@polymodal/tensor';
import { bridgeSample } from '../src/index.js';
import { halfPlane, halfPlaneDraws, halfPlaneLogZ } from '../test/half_plane.js';

export async function bridgeBench(): Promise<void> {
  await initBackend({ backend: 'wasm' });
  const exact = halfPlaneLogZ;
  const target = halfPlane;
  for (const method of ['normal', 'warp3'] as const) {
    const est: number[] = [];
    const se: number[] = [];
    let within3 = 0;
    for (let rep = 0; rep < 50; rep++) {
      const draws = halfPlaneDraws(4000, rep);
      const r = await bridgeSample(target, draws, { method, proposalDraws: 2000, seed: rep });
      draws.dispose();
      est.push(r.logZ);
      se.push(r.standardError);
      if (Math.abs(r.logZ - exact) <= 3 * r.standardError) within3++;
    }
    const coverage = est.filter((e, i) => Math.abs(e - exact) <= 2 * (se[i] as number)).length / est.length;
    const mean = est.reduce((a, b) => a + b, 0) / est.length;
    const sd = Math.sqrt(est.reduce((a, b) => a + (b - mean) ** 2, 0) / (est.length - 1));
    const reported = se.reduce((a, b) => a + b, 0) / se.length;
    console.log(
      `bridge ${method}: mean log Ẑ − log Z = ${(mean - exact).toExponential(2)}; within 3 se ${within3}/50; coverage ±2 se ${coverage.toFixed(2)} (accept [0.88, 0.99]); F-S se ${reported.toExponential(2)} vs empirical SD ${sd.toExponential(2)} (ratio ${(reported / sd).toFixed(2)}, accept [0.7, 1.3])`,
    );
  }
}
