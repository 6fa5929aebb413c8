// B3 (samplers spec §9): the 20-D mixture of three skew-normals (weights 0.2, 0.3, 0.5; locations
// 8 apart; shapes of norm 5). The modes are not in closed form; the components are skewed, so the
// bridge uses warp-III. Truth: the masses of the sampler's own regions from 2·10⁵ exact draws
// (binomial SE ≤ 1.1e-3). Reports modes found, weights against the truth, log Z against 0 (exact),
// the Laplace cross-check, and the fit time.
import { skewNormalMixture } from '@polymodal/datasets';
import { initBackend } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { DivideAndConquerSampler } from '../src/index.js';

export async function b3Bench(): Promise<void> {
  await initBackend({ backend: 'wasm' });
  const b = skewNormalMixture({ dim: 20, seed: 0 });
  const sampler = new DivideAndConquerSampler({
    seed: 0,
    bridgeMethod: 'warp3',
    generator: { hiddenUnits: [128, 128, 128] },
  });
  const t0 = performance.now();
  const diag = await sampler.fit(b.target, { box: b.box });
  const fitS = (performance.now() - t0) / 1000;
  const exact = b.sample(200_000, 1);
  const labels = sampler.regions.label(exact.x);
  const counts = Array.from(
    await tf.tidy(() => tf.sum(tf.oneHot(labels, Math.max(2, sampler.regions.count)), 0)).data(),
  );
  const truth = counts.slice(0, sampler.regions.count).map((c) => c / 200_000);
  tf.dispose([exact.x, labels]);
  console.log(
    `\nB3 20-D skew-normal: ${sampler.modes.length} modes, fit ${fitS.toFixed(0)} s, log Z ${sampler.logNormalizer.toFixed(4)} (exact 0)`,
  );
  console.log('| mode (x₁) | weight ± SE | region mass (2·10⁵ exact draws) | bridge log Λ | Laplace log Λ |');
  console.log('|---|---|---|---|---|');
  sampler.modes.forEach((m, k) => {
    const d = diag.modes[k];
    console.log(
      `| ${(m[0] as number).toFixed(2)} | ${(sampler.weights[k] as number).toFixed(4)} ± ${(sampler.weightErrors[k] as number).toExponential(1)} | ${(truth[k] as number).toFixed(4)} ± ${Math.sqrt(((truth[k] as number) * (1 - (truth[k] as number))) / 200_000).toExponential(1)} | ${d?.logNormalizer.toFixed(4)} | ${d?.laplaceLogNormalizer.toFixed(4)} |`,
    );
  });
  sampler.dispose();
  b.dispose();
}
