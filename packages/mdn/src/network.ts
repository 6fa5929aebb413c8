import {
  type Activation,
  type DenseLayer,
  EnsembleMlp,
  type EnsembleMlpConfig,
  Mlp,
  type WeightShape,
} from '@polymodal/nn';
import { Rng, ShapeError } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import type { Backbone, BackboneFactory } from './backbone.js';

/** The E networks of an MDN: raw head outputs `[E, B, headSize]` from normalised inputs. */
export interface MdnNetwork {
  apply(x: tf.Tensor2D): tf.Tensor3D;
  /** Member e alone: `[B, headSize]`. */
  applyMember(e: number, x: tf.Tensor2D): tf.Tensor2D;
  readonly trainableVariables: tf.Variable[];
  /** The bias of member e's head (the last layer), `[headSize]`. */
  headBias(e: number): tf.Variable;
  /** Names and shapes of the variables, in order (for saving). */
  weightShapes(): WeightShape[];
  /** The plain MLP ensemble, when the default trunk is used (enables fit's fast paths). */
  readonly mlp: EnsembleMlp | undefined;
  dispose(): void;
}

export interface NetworkSpec {
  inputDim: number;
  headSize: number;
  members: number;
  hiddenUnits: number[];
  activation: Activation;
  seed: number;
}

/** The {@link EnsembleMlp} config of the default network: the MLPs' last layer is the mixture head. */
function ensembleConfig(spec: NetworkSpec): EnsembleMlpConfig {
  return {
    members: spec.members,
    inputDim: spec.inputDim,
    outputDim: spec.headSize,
    hiddenUnits: spec.hiddenUnits,
    activation: spec.activation,
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
    mlp,
    apply: (x) => mlp.apply(x),
    applyMember: (e, x) => mlp.applyMember(e, x),
    get trainableVariables() {
      return mlp.trainableVariables;
    },
    headBias: (e) => (mlp.members[e]?.layers.at(-1) as DenseLayer).bias,
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
        new Mlp({ inputDim: b.featureDim, outputDim: spec.headSize, hiddenUnits: [], seed: member.seed() }),
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
    mlp: undefined,
    apply: (x) => tf.tidy(() => tf.stack(backbones.map((_, e) => applyMember(e, x))) as tf.Tensor3D),
    applyMember,
    get trainableVariables() {
      return variables();
    },
    headBias: (e) => ((heads[e] as Mlp).layers[0] as DenseLayer).bias,
    weightShapes: () =>
      backbones.flatMap((b, e) => [
        ...b.trainableVariables.map((v, i) => ({ name: `member_${e}/backbone_${i}`, shape: [...v.shape] })),
        { name: `member_${e}/head/kernel`, shape: [b.featureDim, spec.headSize] },
        { name: `member_${e}/head/bias`, shape: [spec.headSize] },
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
