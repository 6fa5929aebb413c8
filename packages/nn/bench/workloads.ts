// The benchmark workloads, defined exactly as in ../shared/bench/torch_reference.py so that the
// ratios compare like with like.

import { logSoftmax, logSumExp, softplus } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import {
  type Activation,
  adam,
  adamw,
  type DenseGradient,
  EnsembleMlp,
  type EnsembleStrategy,
  fit,
  type HostLoss,
  type KernelLoss,
  type Optimizer,
} from '../src/index.js';

const LOG2PI = Math.log(2 * Math.PI);

/** Diagonal MDN loss with softplus variances (the reference's `mdn_nll`), mean over rows. */
export function mdnNll(out: tf.Tensor, y: tf.Tensor, K: number, D: number): tf.Scalar {
  return tf.tidy(() => {
    const lead = out.shape.slice(0, -1);
    const logits = tf.slice(out, [...lead.map(() => 0), 0], [...lead, K]);
    const mu = tf.reshape(tf.slice(out, [...lead.map(() => 0), K], [...lead, K * D]), [...lead, K, D]);
    const raw = tf.reshape(tf.slice(out, [...lead.map(() => 0), K + K * D], [...lead, K * D]), [
      ...lead,
      K,
      D,
    ]);
    const logStd = tf.mul(0.5, tf.log(tf.add(softplus(raw), 1e-8)));
    const z = tf.mul(tf.sub(tf.expandDims(y, -2), mu), tf.exp(tf.neg(logStd)));
    const logN = tf.sub(tf.sum(tf.sub(tf.mul(-0.5, tf.square(z)), logStd), -1), 0.5 * D * LOG2PI);
    return tf.neg(tf.mean(logSumExp(tf.add(logSoftmax(logits, -1), logN), -1))) as tf.Scalar;
  });
}

export interface MdnStepConfig {
  members: number;
  K: number;
  inputDim: number;
  outputDim: number;
  hidden: number[];
  activation: Activation;
  batch: number;
  useAdamW: boolean;
  strategy: Exclude<EnsembleStrategy, 'auto'>;
  denseGradient: DenseGradient;
}

/** The ensemble MDN network of a workload (outputs `[logits K | means K·D | raw variances K·D]`). */
function mdnNetwork(
  c: Omit<MdnStepConfig, 'denseGradient' | 'strategy'> & { strategy?: EnsembleStrategy },
): EnsembleMlp {
  return new EnsembleMlp({
    members: c.members,
    inputDim: c.inputDim,
    outputDim: c.K * (1 + 2 * c.outputDim),
    hiddenUnits: c.hidden,
    activation: c.activation,
    ...(c.strategy ? { strategy: c.strategy } : {}),
    seed: 0,
  });
}

/** Builds one training step of an ensemble MDN; returns the step and a disposer. */
export function mdnStep(c: MdnStepConfig): { step: () => void; dispose: () => void } {
  const model = mdnNetwork(c);
  for (const m of model.members) m.denseGradient = c.denseGradient;
  const x = tf.randomUniform([c.members, c.batch, c.inputDim], -2, 2, 'float32', 1);
  const y = tf.tidy(() =>
    tf.add(
      tf.tile(tf.sin(tf.mul(3, tf.sum(x, -1, true))), [1, 1, c.outputDim]),
      tf.randomNormal([c.members, c.batch, c.outputDim], 0, 0.1, 'float32', 2),
    ),
  );
  const opt: Optimizer = c.useAdamW ? adamw({ learningRate: 1e-3 }) : adam({ learningRate: 1e-3 });
  const vars = model.trainableVariables;
  // The reference sums per-member mean losses (vmap'd mean over members × E equals the sum).
  const step = () =>
    tf.tidy(() => {
      const { grads, value } = tf.variableGrads(
        () => tf.mul(mdnNll(model.apply(x), y, c.K, c.outputDim), c.members) as tf.Scalar,
        vars,
      );
      opt.applyGradients(
        vars,
        vars.map((v) => grads[v.name] as tf.Tensor),
      );
      value.dispose();
    });
  return {
    step,
    dispose: () => {
      model.dispose();
      opt.dispose();
      tf.dispose([x, y]);
    },
  };
}

/**
 * The same MDN loss with a hand-written gradient over host arrays (for fit's TypeScript path):
 * out rows are `[logits K | means K·D | raw variances K·D]`; returns Σ_members mean_rows NLL,
 * matching `mdnNll(...) × members` above.
 */
export function hostMdnNll(K: number, D: number): HostLoss {
  const width = K * (1 + 2 * D);
  const logw = new Float64Array(K);
  const logp = new Float64Array(K);
  return (out, batch, rows, gradOut) => {
    const y = batch[1] as Float32Array;
    const members = out.length / (rows * width);
    let total = 0;
    for (let e = 0; e < members; e++) {
      for (let r = 0; r < rows; r++) {
        const o = (e * rows + r) * width;
        let maxLogit = -Infinity;
        for (let k = 0; k < K; k++) maxLogit = Math.max(maxLogit, out[o + k] as number);
        let zl = 0;
        for (let k = 0; k < K; k++) zl += Math.exp((out[o + k] as number) - maxLogit);
        let maxW = -Infinity;
        for (let k = 0; k < K; k++) {
          logp[k] = (out[o + k] as number) - maxLogit - Math.log(zl);
          let ln = -0.5 * D * LOG2PI;
          for (let d = 0; d < D; d++) {
            const raw = out[o + K + K * D + k * D + d] as number;
            const s = Math.max(raw, 0) + Math.log1p(Math.exp(-Math.abs(raw))) + 1e-8;
            const diff = (y[r * D + d] as number) - (out[o + K + k * D + d] as number);
            ln += -0.5 * ((diff * diff) / s) - 0.5 * Math.log(s);
          }
          logw[k] = (logp[k] as number) + ln;
          maxW = Math.max(maxW, logw[k] as number);
        }
        let zw = 0;
        for (let k = 0; k < K; k++) zw += Math.exp((logw[k] as number) - maxW);
        total -= (maxW + Math.log(zw)) / rows;
        for (let k = 0; k < K; k++) {
          const resp = Math.exp((logw[k] as number) - maxW) / zw;
          gradOut[o + k] = (Math.exp(logp[k] as number) - resp) / rows;
          for (let d = 0; d < D; d++) {
            const raw = out[o + K + K * D + k * D + d] as number;
            const s = Math.max(raw, 0) + Math.log1p(Math.exp(-Math.abs(raw))) + 1e-8;
            const diff = (y[r * D + d] as number) - (out[o + K + k * D + d] as number);
            gradOut[o + K + k * D + d] = (-resp * diff) / s / rows;
            const dS = resp * (0.5 / s - (0.5 * diff * diff) / (s * s));
            gradOut[o + K + K * D + k * D + d] = dS / (1 + Math.exp(-raw)) / rows;
          }
        }
      }
    }
    return total;
  };
}

/** {@link hostMdnNll} declared for the WebAssembly mixture-NLL kernel (data `[x, y]`). */
export function mdnKernelLoss(K: number, D: number): KernelLoss {
  return {
    kind: 'mixture-nll',
    components: K,
    outputDim: D,
    scaleWidth: D,
    scale: 'variance',
    minStd: 0,
    jitter: 1e-8,
    target: 1,
  };
}

/**
 * Median-free mean time per fit() iteration (minibatching, step, checks every 100) of an MDN
 * ensemble on the device path or the TypeScript host path.
 */
export async function fitIterationMs(
  c: Omit<MdnStepConfig, 'strategy' | 'denseGradient'>,
  path: 'device' | 'hybrid' | 'host',
  iterations: number,
  host: { threads?: number; kernelLoss?: boolean } = {},
): Promise<number> {
  const model = mdnNetwork(c);
  const n = c.batch * 4;
  const x = tf.randomUniform([n, c.inputDim], -2, 2, 'float32', 1);
  const y = tf.tidy(() =>
    tf.add(
      tf.tile(tf.sin(tf.mul(3, tf.sum(x, -1, true))), [1, c.outputDim]),
      tf.randomNormal([n, c.outputDim], 0, 0.1, 'float32', 2),
    ),
  );
  const run = async (its: number) => {
    const optimizer = c.useAdamW ? adamw({ learningRate: 1e-3 }) : adam({ learningRate: 1e-3 });
    const t0 = performance.now();
    const result = await fit({
      variables: model.trainableVariables,
      data: [x, y],
      loss: ([xb, yb]) =>
        tf.mul(
          mdnNll(model.apply(xb as tf.Tensor), yb as tf.Tensor, c.K, c.outputDim),
          c.members,
        ) as tf.Scalar,
      host: {
        model,
        loss: hostMdnNll(c.K, c.outputDim),
        path,
        threads: host.threads ?? 1,
        ...(host.kernelLoss ? { kernelLoss: mdnKernelLoss(c.K, c.outputDim) } : {}),
      },
      iterations: its,
      batchSize: c.batch,
      checkEvery: 100,
      optimizer,
      seed: 0,
    });
    const ms = (performance.now() - t0) / its;
    optimizer.dispose();
    if (result.path !== path) throw new Error(`expected the ${path} path, fit took ${result.path}`);
    return ms;
  };
  await run(Math.min(50, iterations));
  const ms = await run(iterations);
  model.dispose();
  tf.dispose([x, y]);
  return ms;
}
