import { initBackend, ShapeError } from '@polymodal/tensor';
import { expectClose, expectNoLeak, take } from '@polymodal/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../test/fixtures.js';
import { GaussianMixture } from './gaussian_mixture.js';
import { mixtureMmd } from './mixture_mmd.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('closed-form scores of mixtures', () => {
  it('CRPS of 1-D mixtures equals quadrature of (F − 1{x ≥ y})²', async () => {
    const u = fixture.univariate;
    await expectNoLeak(() => {
      const gm = new GaussianMixture({ logits: u.logits, means: u.means, variances: u.variances });
      const y = u.crps_y.map((v) => [[v], [v]]);
      const got = take(gm.crps(y));
      const expected = u.crps_y.flatMap((_, i) => [u.crps[0]?.[i] as number, u.crps[1]?.[i] as number]);
      expectClose(got, expected, 1e-5, 1e-6);
      gm.dispose();
    });
  });

  it('Gaussian-kernel MMD² between mixtures equals double quadrature; 0 for identical mixtures', () => {
    const m = fixture.mmd;
    const a = new GaussianMixture(m.a);
    const b = new GaussianMixture(m.b);
    expect(take(mixtureMmd(a, b, { bandwidth: m.bandwidth }))[0]).toBeCloseTo(m.mmd2, 6);
    expect(take(mixtureMmd(a, a, { bandwidth: m.bandwidth }))[0]).toBeCloseTo(0, 7);
    const twoD = new GaussianMixture({ logits: [0], means: [[0, 0]], variances: [[1, 1]] });
    expect(() => mixtureMmd(a, twoD, { bandwidth: 1 })).toThrow(ShapeError);
    for (const d of [a, b, twoD]) d.dispose();
  });
});
