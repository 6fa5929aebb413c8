import { GaussianMixture } from '@polymodal/distributions';
import { Rng } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';

/** One member's mixtures at B inputs (diagonal), its backbone features and the output scale. */
export interface MemberHead {
  /** `[B, K]`. */
  logits: tf.Tensor2D;
  /** `[B, K, D]`, original units. */
  means: tf.Tensor3D;
  /** `[B, K, D]`, original units. */
  variances: tf.Tensor3D;
  /** Backbone features `[B, F]` (the head's input). */
  features: tf.Tensor2D;
  /** Output scale s_y `[D]` (the MDN's output standardisation; ones without it). */
  outputScale: readonly number[];
}

/** A Kronecker sketch `(z R₁) ⊗ (v R₂)` of the embedding `z ⊗ v`: `R₁ [F, r₁]`, `R₂ [KD, r₂]`. */
export interface EmbeddingSketch {
  zProjection: tf.Tensor2D;
  vProjection: tf.Tensor2D;
}

/**
 * A Kronecker-structured random projection of `F · KD`-wide embeddings to at most `maxDim`
 * columns (undefined when they already fit): Gaussian `R₁`, `R₂` scaled by `1/√r`, so inner
 * products `⟨g, g'⟩ = ⟨z, z'⟩⟨v, v'⟩` are preserved in expectation. Caller disposes.
 */
export function embeddingSketch(
  featureDim: number,
  headDim: number,
  maxDim: number,
  seed: number,
): EmbeddingSketch | undefined {
  if (featureDim * headDim <= maxDim) return undefined;
  // Split the budget in proportion to the factors' widths, each factor kept ≥ 1.
  let r1 = Math.max(1, Math.min(featureDim, Math.floor(Math.sqrt((maxDim * featureDim) / headDim))));
  let r2 = Math.max(1, Math.min(headDim, Math.floor(maxDim / r1)));
  r1 = Math.max(1, Math.min(featureDim, Math.floor(maxDim / r2)));
  r2 = Math.max(1, Math.min(headDim, Math.floor(maxDim / r1)));
  const rng = new Rng(seed);
  return {
    zProjection: tf.randomNormal([featureDim, r1], 0, 1 / Math.sqrt(r1), 'float32', rng.seed()),
    vProjection: tf.randomNormal([headDim, r2], 0, 1 / Math.sqrt(r2), 'float32', rng.seed()),
  };
}

/**
 * BAIT's last-layer Fisher embedding for an MDN (active-learning spec §5), with one Monte-Carlo
 * draw `y ~ p(y | x)` of the member: the gradient of `log p(y | x)` with respect to the mean head's
 * weights, `g_{j,k,d} = γ_k (y_d − μ_kd) / σ²_kd · s_d · z_j` (γ the component responsibilities,
 * s the output scale, z the backbone features) — a rank-1 row of width `F · K · D`, or its
 * sketch.
 *
 * @returns `[B, F·K·D]` (or the sketch's width), owned by the caller.
 */
export function baitEmbedding(head: MemberHead, seed: number, sketch?: EmbeddingSketch): tf.Tensor2D {
  const gm = new GaussianMixture({
    logits: head.logits,
    means: head.means,
    variances: head.variances,
    validate: false,
  });
  try {
    return tf.tidy(() => {
      const [B, K, D] = head.means.shape;
      const y = tf.squeeze(gm.sample(1, { seed }), [0]); // [B, D]
      const gamma = gm.responsibilities(y); // [B, K]
      const residual = tf.div(tf.sub(tf.expandDims(y, 1), head.means), tf.maximum(head.variances, 1e-8));
      const scale = tf.tensor1d(Float32Array.from(head.outputScale));
      let v: tf.Tensor = tf.reshape(tf.mul(tf.mul(tf.expandDims(gamma, -1), residual), scale), [B, K * D]);
      let z: tf.Tensor = head.features;
      if (sketch !== undefined) {
        z = tf.matMul(z as tf.Tensor2D, sketch.zProjection);
        v = tf.matMul(v as tf.Tensor2D, sketch.vProjection);
      }
      const outer = tf.mul(tf.expandDims(z, 2), tf.expandDims(v, 1)); // [B, F, KD]
      return tf.reshape(outer, [B, -1]) as tf.Tensor2D;
    });
  } finally {
    gm.dispose();
  }
}
