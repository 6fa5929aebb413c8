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

/** Builds one training step of an ensemble MDN; returns the step and a disposer. */
export function mdnStep(c: MdnStepConfig): { step: () => void; dispose: () => void } {
  const outDim = c.K * (1 + 2 * c.outputDim);
  const model = new EnsembleMlp({
    members: c.members,
    inputDim: c.inputDim,
    outputDim: outDim,
    hiddenUnits: c.hidden,
    activation: c.activation,
    strategy: c.strategy,
    seed: 0,
  });
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
