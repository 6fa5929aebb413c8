// The MDN paper's data-efficiency study (spec mdn.md §11): MDN against its CFM comparator on the
// saddle-node bifurcation, test NLL (member-median) against the training size N. BENCH_SCALE=paper
// runs the paper's sizes and budget (hours on wasm); the default is the reduced scale printed.
import { MDN_PAPER_SADDLE_NODE, saddleNode, saddleNodeLogProb } from '@polymodal/datasets';
import { MixtureDensityNetwork } from '@polymodal/mdn';
import { nllFromLogProbs } from '@polymodal/metrics';
import { warmupExponentialDecay } from '@polymodal/nn';
import { initBackend } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { FlowMatching, mdnPaperCfmBaseline } from '../src/index.js';

const PAPER = process.env.BENCH_SCALE === 'paper';
// Paper (executed notebook): member-median test NLL, mean ± population std over 12 members.
const REFERENCE = MDN_PAPER_SADDLE_NODE;
const fmt = ([v, s]: readonly [number, number]) => `${v.toFixed(2)} ± ${s.toFixed(2)}`;

export async function saddleNodeBench(): Promise<void> {
  await initBackend({ backend: 'wasm' });
  const iterations = Number(process.env.BENCH_ITERATIONS ?? (PAPER ? 50_000 : 3000));
  const members = PAPER ? 12 : 4;
  const hidden = PAPER ? [256, 256, 256, 256, 256] : [128, 128, 128];
  const sizes = PAPER ? [50, 100, 200, 500, 1000] : [50, 100, 200, 500];
  const nTest = PAPER ? 2000 : 500;
  const pool = saddleNode(Math.max(...sizes), { seed: 0 });
  const test = saddleNode(nTest, { seed: 1 });
  const exact = saddleNodeLogProb(test.x, test.y);
  const floor = (await nllFromLogProbs(exact, { aggregation: 'member-median' })).value;
  exact.dispose();
  console.log(
    `\n### Saddle-node bifurcation: MDN vs CFM, member-median test NLL against N (mean ± population std over E = ${members} members)\n\nScale: both ${hidden.length} × ${hidden[0]} GELU, ${iterations} iterations, batch min(128, N), the MDN's optimiser for both (AdamW, AGC 0.1, wd 1e-5, warm-up then ×0.9, periods scaled); MDN K = 15; CFM = \`mdnPaperCfmBaseline('saddle-node')\` (σ = 0, independent pairs, NLL by 200 backward Euler steps with the exact divergence), E flows from E seeds; ${nTest} test points. Paper: 5 × 256, E = 12, 50 000 iterations, 2000 test points. Exact conditional NLL (median) of this test set: ${floor.toFixed(2)}.\n`,
  );
  console.log('| N | MDN (ours) | CFM (ours) | MDN (paper) | CFM (paper) | seconds MDN / CFM |');
  console.log('|---|---|---|---|---|---|');
  for (const n of sizes) {
    const x = tf.slice(pool.x, 0, n);
    const y = tf.slice(pool.y, 0, n);
    const batchSize = Math.min(128, n);
    let t0 = performance.now();
    const mdn = new MixtureDensityNetwork({
      inputDim: 1,
      outputDim: 20,
      components: 15,
      members,
      hiddenUnits: hidden,
      seed: n,
    });
    const p = Math.max(1, Math.round((2000 * iterations) / 50_000));
    await mdn.fit(x, y, {
      iterations,
      batchSize,
      weightDecay: 1e-5,
      clip: { agc: 0.1 },
      seed: n,
      learningRate: warmupExponentialDecay({ peak: 5e-4, warmupSteps: p, decayRate: 0.9, decaySteps: p }),
    });
    const mdnLp = mdn.logProb(test.x, test.y, { member: 'all' });
    const mdnNll = await nllFromLogProbs(mdnLp, { aggregation: 'member-median' });
    tf.dispose(mdnLp);
    mdn.dispose();
    const mdnSeconds = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const preset = mdnPaperCfmBaseline('saddle-node', iterations);
    const perMember: tf.Tensor1D[] = [];
    for (let e = 0; e < members; e++) {
      const fm = new FlowMatching({
        ...preset.config,
        hiddenUnits: hidden,
        dim: 20,
        conditionDim: 1,
        seed: 1000 * n + e,
      });
      await fm.fit(y, { ...preset.fit, conditions: x, batchSize, seed: 1000 * n + e });
      perMember.push(fm.logProb(test.y, { ...preset.logProb, conditions: test.x }));
      fm.dispose();
    }
    const cfmLp = tf.stack(perMember);
    const cfmNll = await nllFromLogProbs(cfmLp, { aggregation: 'member-median' });
    tf.dispose([cfmLp, ...perMember, x, y]);
    const cfmSeconds = (performance.now() - t0) / 1000;
    const ref = REFERENCE[n];
    console.log(
      `| ${n} | ${fmt([mdnNll.value, mdnNll.std])} | ${fmt([cfmNll.value, cfmNll.std])} | ${ref ? fmt(ref.mdn) : '—'} | ${ref ? fmt(ref.cfm) : '—'} | ${mdnSeconds.toFixed(0)} / ${cfmSeconds.toFixed(0)} |`,
    );
  }
  pool.dispose();
  test.dispose();
}
