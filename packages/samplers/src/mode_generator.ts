import {
  type Activation,
  adam,
  checkHiddenUnits,
  type FitProgress,
  type FitResult,
  fit,
  Mlp,
  mseHostLoss,
  warmupCosineDecay,
} from '@polymodal/nn';
import {
  assertNumber,
  assertOneOf,
  assertPositiveInteger,
  assertSeed,
  checkOptions,
  Rng,
  ShapeError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { unwhiten, type Whitening } from './whitening.js';

/** How a mode's generator is built and trained. */
export interface ModeGeneratorOptions {
  /** Hidden widths. Default `[64, 64, 64]` ("simple 3-layer MLPs"). */
  hiddenUnits?: number[];
  /** Hidden activation. Default `'tanh'` (the group's `FN_Net`). */
  activation?: Activation;
  /** Adam updates. Default 2000. */
  iterations?: number;
  /** Rows per update. Default 256. */
  batchSize?: number;
  /** Peak learning rate of the cosine decay. Default 1e-3. */
  learningRate?: number;
  /** Seed of the initialisation, the validation split and the batches. */
  seed?: number;
  /** Called at fit()'s checks. */
  onProgress?: (progress: FitProgress) => void | Promise<void>;
  /** Aborting stops training early (the best weights so far are kept). */
  signal?: AbortSignal;
}

/** The generator option keys. */
export const GENERATOR_KEYS = [
  'hiddenUnits',
  'activation',
  'iterations',
  'batchSize',
  'learningRate',
  'seed',
  'onProgress',
  'signal',
] as const;

/** Validated generator settings (without the callbacks). */
export interface GeneratorSettings {
  hiddenUnits: number[];
  activation: Activation;
  iterations: number;
  batchSize: number;
  learningRate: number;
}

/** Validates generator options. @throws ValueError */
export function generatorSettings(
  options: ModeGeneratorOptions | undefined,
  where: string,
): GeneratorSettings {
  const o = checkOptions(options, GENERATOR_KEYS, where);
  const s: GeneratorSettings = {
    hiddenUnits: checkHiddenUnits(o.hiddenUnits ?? [64, 64, 64], `${where}: hiddenUnits`),
    activation: o.activation ?? 'tanh',
    iterations: o.iterations ?? 2000,
    batchSize: o.batchSize ?? 256,
    learningRate: o.learningRate ?? 1e-3,
  };
  assertOneOf(s.activation, ['gelu', 'silu', 'tanh', 'relu', 'elu', 'selu'] as const, `${where}: activation`);
  assertPositiveInteger(s.iterations, `${where}: iterations`, 1e7);
  assertPositiveInteger(s.batchSize, `${where}: batchSize`, 1 << 20);
  assertNumber(s.learningRate, `${where}: learningRate`, { greaterThan: 0 });
  if (o.seed !== undefined) assertSeed(o.seed, `${where}: seed`);
  return s;
}

/** `mean((G(z) − u)²)` over every output, the generator's regression loss (fit()'s fast paths). */
const GENERATOR_LOSS = { kind: 'mse', target: 1 } as const;

/** What {@link ModeGenerator.train} returns. */
export interface TrainedGenerator {
  /** The trained generator (the caller disposes it). */
  generator: ModeGenerator;
  /** fit()'s result (losses, best validation, stop reason). */
  fit: FitResult;
}

/**
 * One mode's supervised generator (spec §3.5): an MLP `G: z ↦ u` regressed by MSE on labelled
 * `(noise, whitened sample)` pairs, with the mode's whitening folded in, so `generate(z) = μ + L G(z)`.
 */
export class ModeGenerator {
  private constructor(
    /** The network (whitened output). */
    readonly network: Mlp,
    /** The mode's whitening. */
    readonly whitening: Whitening,
  ) {}

  /** Dimension of noise and samples. */
  get dim(): number {
    return this.whitening.mean.length;
  }

  /**
   * Trains a generator on pairs `noise → whitened` (80/20 split, best-validation weights).
   * @returns the generator and fit()'s result.
   */
  static async train(
    noise: tf.Tensor2D,
    whitened: tf.Tensor2D,
    whitening: Whitening,
    options?: ModeGeneratorOptions,
  ): Promise<TrainedGenerator> {
    const s = generatorSettings(options, 'ModeGenerator.train');
    const d = whitening.mean.length;
    if (noise.shape.join() !== whitened.shape.join() || noise.shape[1] !== d)
      throw new ShapeError(`ModeGenerator.train: noise and samples must both be [n, ${d}].`);
    const seed = options?.seed ?? Rng.randomSeed();
    const rng = new Rng(seed);
    const network = new Mlp({
      inputDim: d,
      outputDim: d,
      hiddenUnits: s.hiddenUnits,
      activation: s.activation,
      seed: rng.seed(),
    });
    const optimizer = adam({
      learningRate: warmupCosineDecay({
        peak: s.learningRate,
        warmupSteps: 0,
        decaySteps: s.iterations,
        end: s.learningRate * 1e-2,
      }),
    });
    try {
      const result = await fit({
        loss: ([z, u]) =>
          tf.tidy(
            () => tf.mean(tf.square(tf.sub(network.apply(z as tf.Tensor2D), u as tf.Tensor))) as tf.Scalar,
          ),
        variables: network.trainableVariables,
        data: [noise, whitened],
        iterations: s.iterations,
        batchSize: Math.min(s.batchSize, Math.floor(noise.shape[0] * 0.8)),
        optimizer,
        validation: { split: 0.2 },
        validateEvery: Math.max(1, Math.floor(s.iterations / 20)),
        earlyStopping: { patience: 1e9, restoreBest: true },
        seed: rng.seed(),
        host: { model: network, loss: mseHostLoss(GENERATOR_LOSS), kernelLoss: GENERATOR_LOSS },
        ...(options?.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options?.signal ? { signal: options.signal } : {}),
      });
      return { generator: new ModeGenerator(network, whitening), fit: result };
    } catch (error) {
      network.dispose();
      throw error;
    } finally {
      optimizer.dispose();
    }
  }

  /** Wraps a trained network (from a saved sampler). */
  static fromNetwork(network: Mlp, whitening: Whitening): ModeGenerator {
    return new ModeGenerator(network, whitening);
  }

  /** Samples `x = μ + L G(z)` for noise `z` `[n, d]`. The caller disposes the result. */
  generate(z: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => unwhiten(this.network.apply(z), this.whitening));
  }

  /** Frees the network. */
  dispose(): void {
    this.network.dispose();
  }
}
