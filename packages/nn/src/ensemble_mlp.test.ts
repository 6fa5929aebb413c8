import { initBackend, ShapeError } from '@polymodal/tensor';
import { expectClose, expectNoLeak, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { EnsembleMlp } from './ensemble_mlp.js';
import { Mlp } from './mlp.js';
import { adamw } from './optimizers.js';
import { fit } from './training/fit.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const config = { inputDim: 2, outputDim: 3, hiddenUnits: [16, 16], activation: 'tanh' as const };

describe('EnsembleMlp', () => {
  it('members are independent: member e trained in the ensemble equals an Mlp trained alone with its seed', async () => {
    const E = 3;
    const x = tf.randomUniform([64, 2], -2, 2, 'float32', 1);
    const y = tf.tidy(() => tf.concat([tf.sin(x), tf.sum(x, 1, true)], 1));
    const ens = new EnsembleMlp({ ...config, members: E, seed: 42 });
    const opts = { data: [x, y], iterations: 60, batchSize: 16, seed: 5, checkEvery: 20 };
    // The ensemble loss is a sum of per-member losses; AGC is unit-wise, so nothing couples members.
    const memberLoss = (out: tf.Tensor, target: tf.Tensor) => tf.mean(tf.squaredDifference(out, target));
    await fit({
      ...opts,
      variables: ens.trainableVariables,
      optimizer: adamw({ learningRate: 1e-2, weightDecay: 1e-3, clip: { agc: 0.1 } }),
      loss: ([xb, yb]) =>
        tf.tidy(
          () =>
            tf.sum(
              tf.stack(tf.unstack(ens.apply(xb as tf.Tensor)).map((o) => memberLoss(o, yb as tf.Tensor))),
            ) as tf.Scalar,
        ),
    });
    const e = 1;
    const alone = new Mlp({ ...config, seed: EnsembleMlp.memberSeed(42, e) });
    await fit({
      ...opts,
      variables: alone.trainableVariables,
      optimizer: adamw({ learningRate: 1e-2, weightDecay: 1e-3, clip: { agc: 0.1 } }),
      loss: ([xb, yb]) => memberLoss(alone.apply(xb as tf.Tensor2D), yb as tf.Tensor) as tf.Scalar,
    });
    const member = (ens.members[e] as Mlp).getWeights();
    const single = alone.getWeights();
    for (const [i, w] of member.entries()) expectClose(take(w), take(single[i] as tf.Tensor), 1e-5, 1e-6);
    // ...and members differ from each other.
    const w0 = take((ens.members[0] as Mlp).getWeights()[0] as tf.Tensor);
    const w2 = take((ens.members[2] as Mlp).getWeights()[0] as tf.Tensor);
    expect(w0.some((v, i) => Math.abs(v - (w2[i] as number)) > 1e-3)).toBe(true);
    tf.dispose([x, y]);
    ens.dispose();
    alone.dispose();
  });

  it("'batched' and 'separate' agree, for shared and per-member inputs, in values and gradients", async () => {
    const sep = new EnsembleMlp({ ...config, members: 4, seed: 7, strategy: 'separate' });
    const bat = new EnsembleMlp({ ...config, members: 4, seed: 7, strategy: 'batched' });
    const x = tf.randomNormal([10, 2], 0, 1, 'float32', 2);
    const x3 = tf.randomNormal([4, 10, 2], 0, 1, 'float32', 3);
    await expectNoLeak(() => {
      const out = sep.apply(x);
      expect(out.shape).toEqual([4, 10, 3]);
      out.dispose();
      expectClose(take(sep.apply(x)), take(bat.apply(x)), 1e-5, 1e-6);
      expectClose(take(sep.apply(x3)), take(bat.apply(x3)), 1e-5, 1e-6);
      const g1 = tf.variableGrads(
        () => tf.sum(tf.square(sep.apply(x3))) as tf.Scalar,
        sep.trainableVariables,
      );
      const g2 = tf.variableGrads(
        () => tf.sum(tf.square(bat.apply(x3))) as tf.Scalar,
        bat.trainableVariables,
      );
      for (const [i, v] of sep.trainableVariables.entries()) {
        expectClose(
          take(g1.grads[v.name] as tf.Tensor),
          take(g2.grads[(bat.trainableVariables[i] as tf.Variable).name] as tf.Tensor),
          1e-4,
          1e-5,
        );
      }
      tf.dispose([g1.value, g2.value]);
    });
    const wrong = tf.zeros([3, 10, 2]);
    expect(() => sep.apply(wrong)).toThrow(ShapeError);
    wrong.dispose();
    tf.dispose([x, x3]);
    sep.dispose();
    bat.dispose();
  });
});
