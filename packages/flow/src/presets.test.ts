import { sineInverse, sineInverseLogProb } from '@polymodal/datasets';
import { initBackend } from '@polymodal/tensor';
import { take } from '@polymodal/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { FlowMatching } from './flow_matching.js';
import { mdnPaperCfmBaseline } from './presets.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

describe('mdnPaperCfmBaseline', () => {
  it("is the reference's recipe: linear path with σ = 0, 5 × width GELU, Euler, backward-Euler exact NLL", () => {
    const saddle = mdnPaperCfmBaseline('saddle-node');
    expect(saddle.config).toMatchObject({
      path: 'linear',
      sigma: 0,
      coupling: 'independent',
      hiddenUnits: [256, 256, 256, 256, 256],
    });
    expect(saddle.fit).toMatchObject({ iterations: 50_000, weightDecay: 1e-5, clip: { agc: 0.1 } });
    expect(saddle.logProb).toEqual({ divergence: 'exact', method: 'euler', steps: 200 });
    const sine = mdnPaperCfmBaseline('sine', 1000);
    expect(sine.config.hiddenUnits).toEqual([128, 128, 128, 128, 128]);
    expect(sine.fit).toMatchObject({ weightDecay: 1e-2, clip: { agc: 0.01 } });
    expect(sine.logProb.steps).toBe(1000);
    expect(() => mdnPaperCfmBaseline('lorenz' as never)).toThrow();
  });

  it('trains a conditional flow on the sine inverse problem that beats the marginal Gaussian on test NLL', async () => {
    const preset = mdnPaperCfmBaseline('sine', 600);
    const train = sineInverse(1000, { seed: 1 });
    const test = sineInverse(300, { seed: 2 });
    // p(t | s): the data are the targets, the conditions the observations.
    const fm = new FlowMatching({ dim: 1, conditionDim: 1, ...preset.config, seed: 0 });
    await fm.fit(train.y, { ...preset.fit, conditions: train.x, seed: 0 });
    const nll = -mean(take(fm.logProb(test.y, { ...preset.logProb, steps: 100, conditions: test.x })));
    const exact = -mean(take(sineInverseLogProb(test.x, test.y)));
    // The marginal of t is U(−1.5, 1.5): NLL log 3 ≈ 1.10 without using s at all.
    expect(nll).toBeLessThan(0.9);
    expect(nll).toBeGreaterThan(exact - 0.1); // no model beats the truth by more than noise
    for (const d of [train, test]) d.dispose();
    fm.dispose();
  });
});
