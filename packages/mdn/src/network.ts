import {
  type Activation,
  type BiasInitializer,
  type DenseLayer,
  type DenseStack,
  EnsembleMlp,
  type EnsembleMlpConfig,
  type FastPathNetwork,
  Mlp,
  type WeightShape,
} from '@polymodal/nn';
import { Rng, ShapeError } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { Backbone, BackboneFactory } from './backbone.js';

/**
 * The E networks of an MDN: raw head outputs `[E, B, headWidth]` from normalised inputs. The
 * default MLP network declares its dense stacks (`FastPathNetwork`), which gives it `fit()`'s
 * fast paths; a custom backbone does not.
 */
export interface MdnNetwork extends FastPathNetwork {
  apply(x: tf.Tensor2D): tf.Tensor3D;
  /** Member e alone: `[B, headWidth]`. */
  applyMember(e: number, x: tf.Tensor2D): tf.Tensor2D;
  /** Member e's backbone features, the head's input: `[B, featureDim]`. */
  featuresMember(e: number, x: tf.Tensor2D): tf.Tensor2D;
  readonly trainableVariables: tf.Variable[];
  /** The biases of every member's head (the last layer), `[headWidth]` each. */
  headBiases(): tf.Variable[];
  /** Names and shapes of the variables, in order (for saving). */
  weightShapes(): WeightShape[];
  dispose(): void;
}

/** What the network builders need: the trunk and the head's width. */
export interface NetworkSpec {
  inputDim: number;
  /** Outputs per member: the mixture head's width (see `headWidth`). */
  headWidth: number;
  members: number;
  hiddenUnits: number[];
  activation: Activation;
  biasInit: BiasInitializer;
  seed: number;
}

/** The {@link EnsembleMlp} config of the default network: the MLPs' last layer is the mixture head. */
function ensembleConfig(spec: NetworkSpec): EnsembleMlpConfig {
  return {
    members: spec.members,
    inputDim: spec.inputDim,
    outputDim: spec.headWidth,
    hiddenUnits: spec.hiddenUnits,
    activation: spec.activation,
    biasInit: spec.biasInit,
    seed: spec.seed,
  };
}

/** Weight names and shapes of {@link mlpNetwork}, in variable order (EnsembleMlp's own file layout). */
export function mlpNetworkShapes(spec: NetworkSpec): WeightShape[] {
  return EnsembleMlp.weightShapes(ensembleConfig(spec));
}

/** The default network: E independent MLPs whose last (linear) layer is the mixture head. */
export function mlpNetwork(spec: NetworkSpec, weights?: readonly tf.Tensor[]): MdnNetwork {
  const mlp = new EnsembleMlp(ensembleConfig(spec), weights);
  return {
    apply: (x) => mlp.apply(x),
    applyMember: (e, x) => mlp.applyMember(e, x),
    featuresMember: (e, x) => (mlp.members[e] as Mlp).features(x),
    denseStacks: (): DenseStack[] => mlp.denseStacks(),
    get trainableVariables() {
      return mlp.trainableVariables;
    },
    headBiases: () => mlp.members.map((m) => (m.layers.at(-1) as DenseLayer).bias),
    weightShapes: () => mlpNetworkShapes(spec),
    dispose: () => mlp.dispose(),
  };
}

/** A user backbone per member followed by a linear head; `weights` (saved order) are assigned after building. */
export function customNetwork(
  spec: NetworkSpec,
  factory: BackboneFactory,
  weights?: readonly tf.Tensor[],
): MdnNetwork {
  const rng = new Rng(spec.seed);
  const backbones: Backbone[] = [];
  const heads: Mlp[] = [];
  try {
    for (let e = 0; e < spec.members; e++) {
      const member = rng.fold(e);
      const b = factory({ member: e, inputDim: spec.inputDim, seed: member.seed() });
      backbones.push(b);
      heads.push(
        new Mlp({
          inputDim: b.featureDim,
          outputDim: spec.headWidth,
          hiddenUnits: [],
          biasInit: spec.biasInit,
          seed: member.seed(),
        }),
      );
    }
  } catch (cause) {
    for (const b of backbones) b.dispose?.();
    for (const h of heads) h.dispose();
    throw cause;
  }
  const variables = () =>
    backbones.flatMap((b, e) => [...b.trainableVariables, ...(heads[e] as Mlp).trainableVariables]);
  const applyMember = (e: number, x: tf.Tensor2D) =>
    tf.tidy(() => (heads[e] as Mlp).apply((backbones[e] as Backbone).apply(x)));
  const network: MdnNetwork = {
    apply: (x) => tf.tidy(() => tf.stack(backbones.map((_, e) => applyMember(e, x))) as tf.Tensor3D),
    applyMember,
    featuresMember: (e, x) => tf.tidy(() => (backbones[e] as Backbone).apply(x)),
    get trainableVariables() {
      return variables();
    },
    headBiases: () => heads.map((h) => (h.layers[0] as DenseLayer).bias),
    weightShapes: () =>
      backbones.flatMap((b, e) => [
        ...b.trainableVariables.map((v, i) => ({ name: `member_${e}/backbone_${i}`, shape: [...v.shape] })),
        { name: `member_${e}/head/kernel`, shape: [b.featureDim, spec.headWidth] },
        { name: `member_${e}/head/bias`, shape: [spec.headWidth] },
      ]),
    dispose: () => {
      for (const b of backbones) b.dispose?.();
      for (const h of heads) h.dispose();
    },
  };
  if (weights !== undefined) {
    const vars = variables();
    const shapes = network.weightShapes();
    if (
      weights.length !== vars.length ||
      weights.some((w, i) => w.shape.join() !== shapes[i]?.shape.join())
    ) {
      network.dispose();
      throw new ShapeError('The saved weights do not match the backbone the factory builds.');
    }
    for (const [i, v] of vars.entries()) v.assign(weights[i] as tf.Tensor);
  }
  return network;
}
