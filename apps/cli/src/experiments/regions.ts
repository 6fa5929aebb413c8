// Region shares and their total variation, shared by the CLI's sampler experiments and the web lab
// (exported as `@polymodal/cli/regions`).
import type { Regions } from '@polymodal/samplers';
import * as tf from '@tensorflow/tfjs-core';

/** The share of the rows of `x` in each of a fitted sampler's regions. */
export async function regionShares(regions: Regions, x: tf.Tensor2D): Promise<number[]> {
  if (regions.count === 1) return [1];
  const labels = regions.label(x);
  const counts = tf.tidy(() => tf.sum(tf.oneHot(labels, regions.count), 0));
  const c = Array.from(await counts.data());
  tf.dispose([labels, counts]);
  return c.map((v) => v / x.shape[0]);
}

/** Total variation between two region-share vectors. */
export const tv = (a: number[], b: number[]): number =>
  0.5 * a.reduce((s, v, k) => s + Math.abs(v - (b[k] ?? 0)), 0);
