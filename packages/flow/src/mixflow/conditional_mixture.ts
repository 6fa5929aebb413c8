import { activate, type DenseLayer, dense } from '@polymodal/nn';
import { logSumExp, Rng } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { chain, type LayerSizes, layerShapes, layerVariables, makeLayers } from './layers.js';

/** Sizes of a {@link ConditionalMixture}'s networks. */
export interface ConditionalMixtureSizes {
  /** Data dimension D. */
  dim: number;
  /** Descriptor dimension C. */
  conditionDim: number;
  /** Mixture components K. */
  components: number;
  /** Width of the encoder's hidden layer and of its output e(y). */
  embeddingDim: number;
  /** Hidden width of h_p and h_Θ. */
  baseHidden: number;
}

const LOG_2PI = Math.log(2 * Math.PI);
// Gumbel noise −log(−log U) with U kept off 0 and 1, as the reference clips it.
const U_MIN = 1e-7;

/**
 * MixFlow's learned source (spec §8.2–8.3): a condition encoder `e(y)` (Linear → dropout → ReLU →
 * Linear), mixture logits `h_p(e)` and component means `h_Θ(e) ∈ R^{K×D}` (Linear → ReLU → Linear
 * each), with a fixed isotropic component std. Holds the variables; the caller owns the tensors
 * its methods return.
 */
export class ConditionalMixture {
  readonly encoder: DenseLayer[];
  readonly weightNet: DenseLayer[];
  readonly meanNet: DenseLayer[];

  constructor(
    readonly sizes: ConditionalMixtureSizes,
    seed: number,
    weights?: readonly tf.Tensor[],
  ) {
    const [enc, hp, ht] = ConditionalMixture.layerSizes(sizes);
    const take = (from: number, count: number) => weights?.slice(from, from + 2 * count);
    const rng = new Rng(seed);
    this.encoder = makeLayers(enc, 'xavier', rng.seed(), take(0, enc.length));
    this.weightNet = makeLayers(hp, 'xavier', rng.seed(), take(2 * enc.length, hp.length));
    this.meanNet = makeLayers(ht, 'xavier', rng.seed(), take(2 * (enc.length + hp.length), ht.length));
  }

  /** Layer sizes of the encoder, h_p and h_Θ. */
  static layerSizes(s: ConditionalMixtureSizes): [LayerSizes, LayerSizes, LayerSizes] {
    const E = s.embeddingDim;
    return [
      [
        [s.conditionDim, E],
        [E, E],
      ],
      [
        [E, s.baseHidden],
        [s.baseHidden, s.components],
      ],
      [
        [E, s.baseHidden],
        [s.baseHidden, s.components * s.dim],
      ],
    ];
  }

  /** The saved weights' names and shapes, in {@link ConditionalMixture.variables} order. */
  static weightShapes(s: ConditionalMixtureSizes): { name: string; shape: number[] }[] {
    const [enc, hp, ht] = ConditionalMixture.layerSizes(s);
    return [...layerShapes('encoder', enc), ...layerShapes('h_p', hp), ...layerShapes('h_theta', ht)];
  }

  /** Encoder, h_p and h_Θ variables (the base optimiser's). */
  get variables(): tf.Variable[] {
    return [...this.encoderVariables, ...this.weightVariables, ...this.meanVariables];
  }

  /** The condition encoder's variables. */
  get encoderVariables(): tf.Variable[] {
    return layerVariables(this.encoder);
  }

  /** h_p's variables. */
  get weightVariables(): tf.Variable[] {
    return layerVariables(this.weightNet);
  }

  /** h_Θ's variables. */
  get meanVariables(): tf.Variable[] {
    return layerVariables(this.meanNet);
  }

  /** `e(y) [B, E]`; with `dropout` (a rate and a seed) in training mode. */
  encode(y: tf.Tensor2D, dropout?: { rate: number; seed: number }): tf.Tensor2D {
    return tf.tidy(() => {
      const [first, second] = this.encoder as [DenseLayer, DenseLayer];
      let h = activate(dense(y, first.kernel, first.bias), 'relu') as tf.Tensor2D;
      // Dropout before or after ReLU is the same map (ReLU commutes with a positive scale).
      if (dropout !== undefined && dropout.rate > 0)
        h = tf.dropout(h, dropout.rate, undefined, dropout.seed) as tf.Tensor2D;
      return dense(h, second.kernel, second.bias);
    });
  }

  /** Mixture logits `h_p(e) [B, K]`. */
  logits(e: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => chain(e, this.weightNet, 'relu'));
  }

  /** Component means `h_Θ(e) [B, K, D]`. */
  means(e: tf.Tensor2D): tf.Tensor3D {
    const { components: K, dim: D } = this.sizes;
    return tf.tidy(() => tf.reshape(chain(e, this.meanNet, 'relu'), [e.shape[0], K, D]));
  }

  /**
   * One source point per row of `e`: `x0 = Σ_k w_k Θ_k + std · ε` with Gumbel-softmax weights
   * `w = softmax((logits + g) / τ)`. `hard` replaces `w` by the one-hot of its argmax, an exact
   * mixture draw (Gumbel-max); soft weights are the reference's relaxed training draw, whose
   * gradient reaches h_p and h_Θ (the one-hot has no gradient into h_p).
   */
  draw(
    e: tf.Tensor2D,
    options: { temperature: number; hard: boolean; std: number; seed: number },
  ): tf.Tensor2D {
    const { components: K, dim: D } = this.sizes;
    return tf.tidy(() => {
      const B = e.shape[0];
      const rng = new Rng(options.seed);
      const logits = this.logits(e);
      const u = tf.randomUniform([B, K], U_MIN, 1 - U_MIN, 'float32', rng.seed());
      const gumbel = tf.neg(tf.log(tf.neg(tf.log(u))));
      const scores = tf.add(logits, gumbel);
      const w =
        K === 1
          ? tf.onesLike(scores) // one component (tfjs's oneHot needs depth ≥ 2)
          : options.hard
            ? tf.oneHot(tf.argMax(scores, 1), K).toFloat()
            : tf.softmax(tf.div(scores, options.temperature));
      const centre = tf.squeeze(tf.matMul(tf.expandDims(w, 1), this.means(e)), [1]);
      const eps = tf.randomNormal([B, D], 0, 1, 'float32', rng.seed());
      return tf.add(centre, tf.mul(options.std, eps)) as tf.Tensor2D;
    });
  }

  /** `log Σ_k p_k(e) N(x; Θ_k(e), std² I)` per row `[B]`. */
  logProb(x: tf.Tensor2D, e: tf.Tensor2D, std: number): tf.Tensor1D {
    const D = this.sizes.dim;
    return tf.tidy(() => {
      const sq = tf.sum(tf.square(tf.sub(tf.expandDims(x, 1), this.means(e))), 2); // [B, K]
      const logN = tf.sub(tf.mul(-0.5 / (std * std), sq), D * (Math.log(std) + 0.5 * LOG_2PI));
      return logSumExp(tf.add(tf.logSoftmax(this.logits(e)), logN), 1) as tf.Tensor1D;
    });
  }

  /** Frees the variables. */
  dispose(): void {
    tf.dispose(this.variables);
  }
}
