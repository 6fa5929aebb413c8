import {
  assertFinite,
  assertFiniteAsync,
  assertNumber,
  checkOptions,
  SerializationError,
  ShapeError,
  type TensorInput,
  toFloat32,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';

/** Options of {@link Standardizer.fit}. */
export interface StandardizerOptions {
  /** Added to the standard deviation (JaxMix's `std + 1e-6`), so constant columns do not divide by 0. Default 1e-6. */
  epsilon?: number;
}

/** Plain-number form of a {@link Standardizer}, for saving in a model config. */
export interface StandardizerJSON {
  /** Column means. */
  mean: number[];
  /** Column scales (std + epsilon). */
  std: number[];
}

/**
 * Column-wise z-scoring `z = (x − μ) / σ` with training statistics (σ is the population standard
 * deviation plus `epsilon`), and the log-Jacobian needed to report densities in original units:
 * `log p_x(x) = log p_z(z) + logDetJacobian` with `logDetJacobian = −Σ_d log σ_d`.
 */
export class Standardizer {
  /** Column means `[D]`. */
  readonly mean: tf.Tensor1D;
  /** Column scales `[D]` (std + epsilon). */
  readonly std: tf.Tensor1D;
  /** `−Σ log σ_d`: add to a log density in standardised units to get original units. */
  readonly logDetJacobian: number;

  /** The statistics on the host, read once when they were made. */
  private readonly host: StandardizerJSON;

  private constructor(mean: tf.Tensor1D, std: tf.Tensor1D, host: StandardizerJSON) {
    this.mean = mean;
    this.std = std;
    this.host = host;
    this.logDetJacobian = -host.std.reduce((s, v) => s + Math.log(v), 0);
  }

  /**
   * Computes the statistics of `x [N, D]` (N ≥ 1, finite). Reads them back synchronously; on a
   * GPU backend prefer {@link Standardizer.fitAsync}.
   *
   * @throws ShapeError / NonFiniteError on bad data.
   */
  static fit(x: TensorInput, options?: StandardizerOptions): Standardizer {
    const epsilon = checkedEpsilon(options);
    const data = checkedRows(x);
    try {
      assertFinite(data, 'x');
      const [mean, std] = moments(data, epsilon);
      return new Standardizer(mean, std, {
        mean: Array.from(mean.dataSync()),
        std: Array.from(std.dataSync()),
      });
    } finally {
      data.dispose();
    }
  }

  /**
   * {@link Standardizer.fit} with every read asynchronous, so that it runs on backends without
   * synchronous reads (WebGPU in Node) and does not stall a GPU queue.
   *
   * @throws ShapeError / NonFiniteError on bad data.
   */
  static async fitAsync(x: TensorInput, options?: StandardizerOptions): Promise<Standardizer> {
    const epsilon = checkedEpsilon(options);
    const data = checkedRows(x);
    try {
      await assertFiniteAsync(data, 'x');
      const [mean, std] = moments(data, epsilon);
      const [m, sd] = await Promise.all([mean.data(), std.data()]);
      return new Standardizer(mean, std, { mean: Array.from(m), std: Array.from(sd) });
    } finally {
      data.dispose();
    }
  }

  /** The identity transform on `dim` columns (mean 0, scale 1): normalisation switched off. */
  static identity(dim: number): Standardizer {
    return Standardizer.fromJSON({ mean: new Array(dim).fill(0), std: new Array(dim).fill(1) });
  }

  /** Rebuilds a standardizer from {@link Standardizer.toJSON}. @throws SerializationError */
  static fromJSON(json: StandardizerJSON): Standardizer {
    const ok = (a: unknown): a is number[] =>
      Array.isArray(a) && a.every((v) => typeof v === 'number' && Number.isFinite(v));
    if (
      json == null ||
      !ok(json.mean) ||
      !ok(json.std) ||
      json.mean.length !== json.std.length ||
      json.std.some((s) => s <= 0)
    ) {
      throw new SerializationError(
        'Invalid standardizer: expected { mean: number[], std: number[] } of equal length with std > 0.',
      );
    }
    return new Standardizer(tf.tensor1d(json.mean), tf.tensor1d(json.std), {
      mean: [...json.mean],
      std: [...json.std],
    });
  }

  /** Number of columns. */
  get dim(): number {
    return this.mean.shape[0];
  }

  private check(x: tf.Tensor, what: string): void {
    if (x.rank !== 2 || x.shape[1] !== this.dim) {
      throw new ShapeError(`Standardizer.${what}: expected [N, ${this.dim}], got [${x.shape.join(', ')}].`);
    }
  }

  /** `(x − μ) / σ`. */
  transform(x: tf.Tensor2D): tf.Tensor2D {
    this.check(x, 'transform');
    return tf.tidy(() => tf.div(tf.sub(x, this.mean), this.std));
  }

  /** `z σ + μ`. */
  inverseTransform(z: tf.Tensor2D): tf.Tensor2D {
    this.check(z, 'inverseTransform');
    return tf.tidy(() => tf.add(tf.mul(z, this.std), this.mean));
  }

  /** The statistics as plain numbers. */
  toJSON(): StandardizerJSON {
    return { mean: [...this.host.mean], std: [...this.host.std] };
  }

  /** Frees the statistics. */
  dispose(): void {
    tf.dispose([this.mean, this.std]);
  }
}

const checkedEpsilon = (options: StandardizerOptions | undefined): number => {
  const epsilon = checkOptions(options, ['epsilon'], 'Standardizer.fit').epsilon ?? 1e-6;
  assertNumber(epsilon, 'epsilon', { min: 0 });
  return epsilon;
};

/** `x` as float32 rows `[N ≥ 1, D]` (caller disposes). */
function checkedRows(x: TensorInput): tf.Tensor2D {
  const data = toFloat32(x, 'x', [null, null]) as tf.Tensor2D;
  if (data.shape[0] === 0) {
    data.dispose();
    throw new ShapeError('Standardizer.fit: x has no rows.');
  }
  return data;
}

/** Column means and scales (std + epsilon) on the device. */
function moments(data: tf.Tensor2D, epsilon: number): [tf.Tensor1D, tf.Tensor1D] {
  return tf.tidy(() => {
    const { mean: m, variance } = tf.moments(data, 0);
    return [m as tf.Tensor1D, tf.add(tf.sqrt(variance), epsilon) as tf.Tensor1D];
  });
}
