import { imageDensity, inversePde, type SamplerBenchmark } from '@polymodal/datasets';
import { initBackend } from '@polymodal/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DivideAndConquerConfig, DivideAndConquerSampler } from './divide_and_conquer_sampler.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** A small budget (bench/b4.ts and bench/b5.ts run the defaults). */
const small: DivideAndConquerConfig = {
  starts: 400,
  modeIterations: 300,
  chains: 32,
  burnIn: 400,
  draws: 200,
  scoreSamples: 2000,
  scoreBatch: 500,
  pairs: 1000,
  odeSteps: 30,
  generator: { iterations: 200, hiddenUnits: [16, 16] },
  seed: 2,
};

/**
 * Fits `b` and checks the modes against the benchmark's exact list, and the weights and log Z
 * against its exact region masses and normaliser, within 4 reported standard errors (plus the
 * truth's own error) — the bridge acceptance test of spec §10.8.
 */
async function fitsWithinErrors(b: SamplerBenchmark & { modes: number[][] }, tolerance: number) {
  const sampler = new DivideAndConquerSampler(small);
  try {
    await sampler.fit(b.target, { box: b.box });
    expect(sampler.modes).toHaveLength(b.modes.length);
    for (const m of b.modes) {
      const nearest = Math.min(
        ...sampler.modes.map((f) =>
          Math.hypot((f[0] as number) - (m[0] as number), (f[1] as number) - (m[1] as number)),
        ),
      );
      expect(nearest).toBeLessThan(tolerance);
    }
    const truth = await b.regionMasses((x) => sampler.regions.label(x), sampler.regions.count, {
      draws: 200_000,
    });
    sampler.weights.forEach((w, k) => {
      const se = Math.hypot(sampler.weightErrors[k] as number, truth.standardErrors[k] as number);
      expect(Math.abs(w - (truth.masses[k] as number))).toBeLessThan(4 * se + 1e-3);
    });
    expect(Math.abs(sampler.logNormalizer - b.logNormalizer)).toBeLessThan(
      4 * sampler.logNormalizerError + 1e-3,
    );
  } finally {
    sampler.dispose();
    b.dispose();
  }
}

describe('the divide-and-conquer sampler on B4 and B5', () => {
  it('B5 inverse PDE: both posterior modes, weighted as quadrature says', async () => {
    await fitsWithinErrors(inversePde(), 1e-3);
  });

  it('B4 image density (blur 4): its three modes, weighted as exact draws say', async () => {
    await fitsWithinErrors(imageDensity({ blur: 4 }), 0.01);
  });
});
