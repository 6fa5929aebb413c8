// B2 (samplers spec §9): the 100-D mixture of four diagonal Gaussians at ±6 e₁ ± 6 e₂ with weights
// (0.1, 0.2, 0.3, 0.4). The modes are ≥ 8 standard deviations apart, so the region masses equal the
// weights to far below the reported errors. Reports the modes found, the weights against the truth,
// log Z against 0, the fit time by phase, and per-mode mean and covariance errors of 2·10⁴ draws.
// BENCH_DIM (default 100).
import { gaussianMixtureHighDim } from '@polymodal/datasets';
import { initBackend } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { DivideAndConquerSampler } from '../src/index.js';

export async function b2Bench(): Promise<void> {
  await initBackend({ backend: 'wasm' });
  const dim = Number(process.env.BENCH_DIM ?? 100);
  const b = gaussianMixtureHighDim({ dim, seed: 0 });
  const sampler = new DivideAndConquerSampler({
    seed: 0,
    starts: Math.min(2000, 200 * dim),
    scoreSamples: 10_000,
    generator: { hiddenUnits: [256, 256, 256] },
  });
  const phases: string[] = [];
  const t0 = performance.now();
  await sampler.fit(b.target, {
    box: b.box,
    onProgress: (p) => {
      phases.push(
        `${p.phase}${p.mode !== undefined ? ` ${p.mode}` : ''} @ ${(p.elapsedMs / 1000).toFixed(1)} s`,
      );
    },
  });
  const fitS = (performance.now() - t0) / 1000;
  console.log(`\nB2 ${dim}-D: fit ${fitS.toFixed(0)} s; phases: ${phases.join(', ')}`);
  // Match found modes to components by their first two coordinates.
  const order = sampler.modes.map((m) =>
    b.means.findIndex(
      (mu) =>
        Math.abs((mu[0] as number) - (m[0] as number)) < 1 &&
        Math.abs((mu[1] as number) - (m[1] as number)) < 1,
    ),
  );
  console.log(
    `modes found ${sampler.modes.length} (components ${order.join(', ')}); log Z ${sampler.logNormalizer.toFixed(4)} (exact 0)`,
  );
  console.log(
    '| component | weight | estimate ± SE | mean error / √tr Σ | covariance error ‖Σ̂ − Σ‖_F / ‖Σ‖_F |',
  );
  console.log('|---|---|---|---|---|');
  const x = await sampler.sample(20_000, { seed: 1 });
  const labels = sampler.regions.label(x);
  const labelArray = await labels.data();
  for (let k = 0; k < sampler.modes.length; k++) {
    const c = order[k] as number;
    const idx = tf.tensor1d(
      Array.from(labelArray.keys()).filter((i) => labelArray[i] === k),
      'int32',
    );
    const rows = tf.gather(x, idx);
    const mean = await tf.mean(rows, 0).data();
    const centred = tf.sub(rows, tf.mean(rows, 0));
    const cov = await tf.div(tf.matMul(centred, centred, true, false), rows.shape[0] - 1).data();
    const mu = b.means[c] as number[];
    let meanErr = 0;
    for (let j = 0; j < dim; j++) meanErr += ((mean[j] as number) - (mu[j] as number)) ** 2;
    // Σ is diagonal.
    const sigma = b.variances[c] as number[];
    let num = 0;
    let den = 0;
    for (let i = 0; i < dim; i++)
      for (let j = 0; j < dim; j++) {
        const s = i === j ? (sigma[i] as number) : 0;
        num += ((cov[i * dim + j] as number) - s) ** 2;
        den += s * s;
      }
    const trace = sigma.reduce((a, v) => a + v, 0);
    console.log(
      `| ${c} | ${b.weights[c]} | ${(sampler.weights[k] as number).toFixed(4)} ± ${(sampler.weightErrors[k] as number).toExponential(1)} | ${(Math.sqrt(meanErr) / Math.sqrt(trace)).toFixed(4)} | ${Math.sqrt(num / den).toFixed(3)} |`,
    );
    tf.dispose([idx, rows, centred]);
  }
  tf.dispose([x, labels]);
  sampler.dispose();
  b.dispose();
}
