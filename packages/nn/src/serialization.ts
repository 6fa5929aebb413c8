import { SerializationError } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';

/** The on-disk format version written by this release; loading accepts exactly these. */
export const FORMAT_VERSION = 1;
const SUPPORTED_VERSIONS: readonly number[] = [1];
const FORMAT = 'polymodal';

/**
 * Where a model is saved to or loaded from: a tfjs IO handler, or a URL string —
 * `file:///abs/dir` (Node: writes `dir/model.json` + `dir/weights.bin`), `indexeddb://name`,
 * `localstorage://name`, `downloads://name` or `http(s)://...` (browser, through tfjs's routers).
 * For in-memory round trips use `tf.io.withSaveHandler` and `tf.io.fromMemory`.
 */
export type ModelLocation = string | tf.io.IOHandler;

/** The name and shape of one weight a model expects. */
export interface WeightShape {
  /** Unique name in the file. */
  name: string;
  /** Expected shape. */
  shape: number[];
}

/** The header stored as `modelTopology` in `model.json`. */
interface Header {
  format: typeof FORMAT;
  formatVersion: number;
  kind: string;
  config: unknown;
}

/** A tfjs IO handler that writes `model.json` and `weights.bin` into a directory (Node only). */
export function fileSystemHandler(directory: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const { mkdir, writeFile } = await import('node:fs/promises');
      const { join } = await import('node:path');
      await mkdir(directory, { recursive: true });
      const data = tf.io.CompositeArrayBuffer.join(artifacts.weightData as ArrayBuffer | ArrayBuffer[]);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as NonNullable<tf.io.ModelJSON['modelTopology']>,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
        format: artifacts.format as string,
        generatedBy: artifacts.generatedBy as string,
        convertedBy: artifacts.convertedBy ?? null,
      };
      await writeFile(join(directory, 'weights.bin'), new Uint8Array(data));
      await writeFile(join(directory, 'model.json'), JSON.stringify(modelJson, null, 1));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const { readFile } = await import('node:fs/promises');
      const { join } = await import('node:path');
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(await readFile(join(directory, 'model.json'), 'utf8')) as tf.io.ModelJSON;
      } catch (cause) {
        throw new SerializationError(
          `Cannot read ${join(directory, 'model.json')}: ${(cause as Error).message}`,
        );
      }
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const buffers = await Promise.all(
          manifest
            .flatMap((group) => group.paths)
            .map(async (p) => {
              const bytes = await readFile(join(directory, p));
              return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
            }),
        );
        return [specs, tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}

function resolve(location: ModelLocation, direction: 'save' | 'load'): tf.io.IOHandler {
  if (typeof location !== 'string') {
    if (location == null || typeof location[direction] !== 'function') {
      throw new SerializationError(
        `Expected a URL string or a tfjs IO handler with a ${direction}() method.`,
      );
    }
    return location;
  }
  if (location.startsWith('file://')) return fileSystemHandler(location.slice('file://'.length));
  const handlers = direction === 'save' ? tf.io.getSaveHandlers(location) : tf.io.getLoadHandlers(location);
  const handler = handlers[0];
  if (handler === undefined) {
    throw new SerializationError(
      `No tfjs IO handler for '${location}' here (file:// needs Node; indexeddb:// a browser).`,
    );
  }
  return handler;
}

/** What a model class tells {@link loadModel} about itself so it can validate a file. */
export interface ModelSchema<C> {
  /** The `kind` the file must declare. */
  kind: string;
  /** Validates and normalises the stored config; throws on anything unexpected. */
  parseConfig: (raw: unknown) => C;
  /** The exact weights (names and shapes) a model with this config has, in order. */
  weightShapes: (config: C) => WeightShape[];
}

/**
 * Saves a model as tfjs `ModelArtifacts`: a polymodal header (format, version, kind, config) as
 * `modelTopology`, and the weights, named by `schema.weightShapes(config)`, as float32 data.
 *
 * @param weights in schema order.
 * @throws SerializationError when the weights do not match the schema.
 */
export async function saveModel<C>(
  location: ModelLocation,
  schema: ModelSchema<C>,
  config: C,
  weights: readonly tf.Tensor[],
): Promise<tf.io.SaveResult> {
  const handler = resolve(location, 'save');
  const shapes = schema.weightShapes(config);
  if (shapes.length !== weights.length) {
    throw new SerializationError(
      `${schema.kind} has ${weights.length} weights; its config describes ${shapes.length}.`,
    );
  }
  const { data, specs } = await tf.io.encodeWeights(
    weights.map((tensor, i) => ({ name: (shapes[i] as WeightShape).name, tensor })),
  );
  const header: Header = { format: FORMAT, formatVersion: FORMAT_VERSION, kind: schema.kind, config };
  return (handler.save as NonNullable<tf.io.IOHandler['save']>)({
    modelTopology: header as unknown as object,
    format: FORMAT,
    generatedBy: `@polymodal/nn format ${FORMAT_VERSION}`,
    convertedBy: null,
    weightSpecs: specs,
    weightData: data,
  });
}

/**
 * Loads and validates a model saved by {@link saveModel}: format, version, kind, config, every
 * weight's name, dtype and shape, the byte length of the weight data, and that every weight is
 * finite. Anything else is rejected with a `SerializationError` before any model is built.
 *
 * @param build makes the model from the validated config and weights (in schema order); the
 *   weights are disposed afterwards, so it must copy them (as `tf.variable` does).
 */
export async function loadModel<C, M>(
  location: ModelLocation,
  schema: ModelSchema<C>,
  build: (config: C, weights: tf.Tensor[]) => M,
): Promise<M> {
  const handler = resolve(location, 'load');
  let artifacts: tf.io.ModelArtifacts;
  try {
    artifacts = await (handler.load as NonNullable<tf.io.IOHandler['load']>)();
  } catch (cause) {
    if (cause instanceof SerializationError) throw cause;
    throw new SerializationError(`Could not read the model: ${(cause as Error).message}`);
  }
  const header = artifacts.modelTopology as Partial<Header> | undefined;
  if (header == null || typeof header !== 'object' || header.format !== FORMAT) {
    throw new SerializationError(
      'Not a polymodal model: model.json has no polymodal header in modelTopology.',
    );
  }
  if (!SUPPORTED_VERSIONS.includes(header.formatVersion as number)) {
    throw new SerializationError(
      `Unsupported polymodal format version ${JSON.stringify(header.formatVersion)}; this release reads ${SUPPORTED_VERSIONS.join(', ')}.`,
    );
  }
  if (header.kind !== schema.kind) {
    throw new SerializationError(`The file holds a '${String(header.kind)}', not a '${schema.kind}'.`);
  }
  let config: C;
  try {
    config = schema.parseConfig(header.config);
  } catch (cause) {
    throw new SerializationError(`Invalid ${schema.kind} config in the file: ${(cause as Error).message}`);
  }
  const expected = schema.weightShapes(config);
  const specs = artifacts.weightSpecs ?? [];
  const described = (s: { name: string; shape: number[] }) => `${s.name} [${s.shape.join(', ')}]`;
  if (
    specs.length !== expected.length ||
    expected.some((e, i) => {
      const s = specs[i];
      return (
        s === undefined || s.name !== e.name || s.dtype !== 'float32' || s.shape.join() !== e.shape.join()
      );
    })
  ) {
    throw new SerializationError(
      `Weights do not match the config: expected ${expected.map(described).join(', ')}; ` +
        `found ${specs.map((s) => `${described(s)} ${s.dtype}`).join(', ') || 'none'}.`,
    );
  }
  const data =
    artifacts.weightData === undefined
      ? new ArrayBuffer(0)
      : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  const bytes = expected.reduce((n, e) => n + 4 * e.shape.reduce((a, b) => a * b, 1), 0);
  if (data.byteLength !== bytes) {
    throw new SerializationError(
      `Weight data has ${data.byteLength} bytes; the config needs ${bytes}. The file is truncated or corrupted.`,
    );
  }
  const decoded = tf.io.decodeWeights(data, specs);
  const weights = expected.map((e) => decoded[e.name] as tf.Tensor);
  for (const [i, w] of weights.entries()) {
    if (!(w.dataSync() as Float32Array).every(Number.isFinite)) {
      tf.dispose(weights);
      throw new SerializationError(
        `Weight ${expected[i]?.name} holds NaN or Infinity: the file is corrupted.`,
      );
    }
  }
  try {
    return build(config, weights);
  } finally {
    tf.dispose(weights);
  }
}
