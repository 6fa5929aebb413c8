import { adamw } from '@polymodal/nn';
import { addMany, kMeans, NonFiniteError, type Rng } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { ConditionalMixture } from './conditional_mixture.js';
import type { Populations } from './populations.js';

/** Rows k-means sees at most (a seeded subsample of larger data). */
const KMEANS_ROWS = 5000;
/** The std of the noise added to the centres at every pre-fit step (the reference's 0.1). */
const TARGET_NOISE = 0.1;

/**
 * The reference's h_Θ pre-fit (spec §8.5, phase 0): k-means on the (normalised) training rows,
 * global and condition-agnostic, then `iterations` AdamW steps (lr 1e-3, PyTorch's weight decay)
 * of `MSE(h_Θ(e(y)), centres + 0.1 ε)` on h_Θ alone, with the encoder's dropout active. Every
 * component starts near a different part of the data, which prevents an early collapse of the
 * modes onto one another. A pre-fit that ends non-finite restores h_Θ and throws.
 *
 * @throws NonFiniteError
 */
export async function prefitModes(
  base: ConditionalMixture,
  x: tf.Tensor2D,
  conditions: tf.Tensor2D,
  populations: Populations,
  options: { iterations: number; conditionsPerStep: number; dropout: number; rng: Rng },
): Promise<void> {
  const { components: K, dim: D } = base.sizes;
  const [n] = x.shape;
  const { rng } = options;
  const rows = tf.tidy(() => {
    if (n <= KMEANS_ROWS) return tf.clone(x);
    const pick = rng.fold('kmeans-rows').permutation(n).subarray(0, KMEANS_ROWS);
    return tf.gather(x, tf.tensor1d(pick, 'int32'));
  });
  const centres = kMeans(
    (await rows.data()) as Float32Array,
    rows.shape[0],
    D,
    Math.min(K, rows.shape[0]),
    rng.fold('kmeans'),
  );
  rows.dispose();
  // Fewer rows than components: the remaining components start on the first centres.
  const target = tf.tensor2d(
    Float32Array.from({ length: K * D }, (_, i) => centres[i % centres.length] as number),
    [1, K * D],
  );
  const optimizer = adamw({ learningRate: 1e-3 });
  const variables = base.meanVariables;
  const steps = rng.fold('prefit-steps');
  const before = variables.map((v) => tf.clone(v));
  try {
    for (let i = 0; i < options.iterations; i++) {
      const { index } = populations.next(options.conditionsPerStep, 1);
      const stepSeed = steps.fold(i);
      const { value, grads } = tf.variableGrads(
        () =>
          tf.tidy(() => {
            const y = tf.gather(conditions, tf.tensor1d(index, 'int32')) as tf.Tensor2D;
            const e = base.encode(y, { rate: options.dropout, seed: stepSeed.seed() });
            const means = tf.reshape(base.means(e), [index.length, K * D]);
            const noisy = tf.add(
              target,
              tf.randomNormal(means.shape, 0, TARGET_NOISE, 'float32', stepSeed.seed()),
            );
            return tf.mean(tf.square(tf.sub(means, noisy))) as tf.Scalar;
          }),
        variables,
      );
      optimizer.applyGradients(
        variables,
        variables.map((v) => grads[v.name] as tf.Tensor),
      );
      tf.dispose([value, ...Object.values(grads)]);
    }
    const bad = tf.tidy(() =>
      addMany(variables.map((v) => tf.sum(tf.cast(tf.logicalNot(tf.isFinite(v)), 'float32')))),
    );
    const nonFinite = (await bad.data())[0] as number;
    bad.dispose();
    if (nonFinite > 0) {
      for (const [i, v] of variables.entries()) v.assign(before[i] as tf.Tensor);
      throw new NonFiniteError('The h_Θ pre-fit diverged; its weights were restored. Check the data scale.');
    }
  } finally {
    tf.dispose(before);
    target.dispose();
    optimizer.dispose();
  }
}
