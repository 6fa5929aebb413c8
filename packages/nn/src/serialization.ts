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
  /** SHA-256 of the weight data (hex), so an edit that keeps the shapes is still detected. */
  weightsSha256?: string;
}

/** Hex SHA-256 of `data`, or undefined where Web Crypto is missing (an insecure browser context). */
async function sha256(data: ArrayBuffer): Promise<string | undefined> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle === undefined) return undefined;
  const digest = new Uint8Array(await subtle.digest('SHA-256', data));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Largest `model.json` a file handler reads (a header and a manifest, never weights). */
export const MAX_MODEL_JSON_BYTES = 16 * 1024 * 1024;

/** Bytes per element of the dtypes a polymodal file may hold. */
const DTYPE_BYTES: Record<string, number> = { float32: 4 };

/**
 * A tfjs IO handler that writes `model.json` and `weights.bin` into a directory (Node only).
 *
 * Loading treats the folder as untrusted input: `model.json` must be a regular file of at most
 * {@link MAX_MODEL_JSON_BYTES}; every weight path in its manifest must resolve (symlinks
 * followed) to a regular file inside the folder — no absolute paths, no `..` out of it, no
 * devices or FIFOs; quantized or non-float32 weights are rejected; and each group's files must
 * together hold exactly the bytes its weight specs describe, checked before anything is read.
 */
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
      const folder = await modelFolder(directory);
      const json = parseModelJson(await readInside(folder, 'model.json', { maxBytes: MAX_MODEL_JSON_BYTES }));
      const groups = checkedManifest(json.weightsManifest);
      // Every file is checked (inside, regular, sizes add up) before any weight byte is read.
      const files = await Promise.all(
        groups.map(async (g) => {
          const opened = await Promise.all(g.paths.map((p) => openInside(folder, p)));
          const size = opened.reduce((n, f) => n + f.size, 0);
          if (size !== g.bytes) {
            await Promise.all(opened.map((f) => f.handle.close()));
            throw new SerializationError(
              `The weight files [${g.paths.join(', ')}] hold ${size} bytes; their manifest describes ${g.bytes}.`,
            );
          }
          return opened;
        }),
      );
      const buffers: ArrayBuffer[] = [];
      for (const f of files.flat()) {
        try {
          const bytes = new Uint8Array(f.size);
          const { bytesRead } = await f.handle.read(bytes, 0, f.size, 0);
          if (bytesRead !== f.size) throw new SerializationError(`${f.path} changed while it was read.`);
          buffers.push(bytes.buffer);
        } finally {
          await f.handle.close();
        }
      }
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => [
        manifest.flatMap((group) => group.weights),
        tf.io.concatenateArrayBuffers(buffers),
      ]);
    },
  };
}

/** The real path of a model folder, which must be a directory. */
async function modelFolder(directory: string): Promise<string> {
  const { realpath, stat } = await import('node:fs/promises');
  let real: string;
  try {
    real = await realpath(directory);
  } catch (cause) {
    throw new SerializationError(`Cannot open the model folder ${directory}: ${(cause as Error).message}`);
  }
  if (!(await stat(real)).isDirectory()) throw new SerializationError(`${directory} is not a folder.`);
  return real;
}

interface InsideFile {
  path: string;
  size: number;
  handle: import('node:fs/promises').FileHandle;
}

/**
 * Opens `relativePath` for reading only if it resolves (symlinks followed) to a regular file inside
 * `folder`. Opens without blocking (a FIFO would otherwise hang the open) and checks the opened
 * file itself, so a swap after the check cannot smuggle in something else. Errors never describe
 * what lies outside the folder.
 */
async function openInside(folder: string, relativePath: unknown): Promise<InsideFile> {
  const { open, realpath } = await import('node:fs/promises');
  const { constants } = await import('node:fs');
  const { isAbsolute, relative, resolve, sep } = await import('node:path');
  if (typeof relativePath !== 'string' || relativePath === '' || relativePath.includes('\0'))
    throw new SerializationError(`Invalid weight path ${JSON.stringify(relativePath)} in model.json.`);
  const refuse = () =>
    new SerializationError(
      `Weight path ${JSON.stringify(relativePath)} in model.json leads outside the model folder; ` +
        'a model may only read files inside its own folder.',
    );
  if (isAbsolute(relativePath)) throw refuse();
  let real: string;
  try {
    real = await realpath(resolve(folder, relativePath));
  } catch {
    // Missing: say so only for paths that stay inside, so nothing outside is probed.
    const lexical = relative(folder, resolve(folder, relativePath));
    if (lexical.startsWith('..') || isAbsolute(lexical)) throw refuse();
    throw new SerializationError(`Weight file ${relativePath} is missing from the model folder.`);
  }
  if (real !== folder && !real.startsWith(folder + sep)) throw refuse();
  const handle = await open(real, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  const info = await handle.stat();
  if (!info.isFile()) {
    await handle.close();
    throw new SerializationError(`Weight path ${relativePath} is not a regular file.`);
  }
  return { path: relativePath, size: info.size, handle };
}

/** Reads a small file inside the folder, bounded by `maxBytes`. */
async function readInside(folder: string, name: string, options: { maxBytes: number }): Promise<string> {
  const f = await openInside(folder, name).catch((cause: unknown) => {
    throw new SerializationError(
      `Cannot read ${name} in the model folder: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
  });
  try {
    if (f.size > options.maxBytes)
      throw new SerializationError(`${name} has ${f.size} bytes; at most ${options.maxBytes} are read.`);
    const bytes = new Uint8Array(f.size);
    await f.handle.read(bytes, 0, f.size, 0);
    return new TextDecoder().decode(bytes);
  } finally {
    await f.handle.close();
  }
}

function parseModelJson(text: string): tf.io.ModelJSON {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new SerializationError(
      `Cannot read model.json: it is not valid JSON (${(cause as Error).message}).`,
    );
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new SerializationError('model.json must hold an object.');
  return json as tf.io.ModelJSON;
}

/** The manifest's groups with the bytes each must hold; rejects anything polymodal never writes. */
function checkedManifest(manifest: unknown): { paths: string[]; bytes: number }[] {
  if (!Array.isArray(manifest) || manifest.length > 1024)
    throw new SerializationError('model.json: weightsManifest must be an array of at most 1024 groups.');
  return manifest.map((group: unknown, g) => {
    const { paths, weights } = (group ?? {}) as { paths?: unknown; weights?: unknown };
    if (!Array.isArray(paths) || paths.length > 4096 || !Array.isArray(weights))
      throw new SerializationError(`model.json: weightsManifest[${g}] needs paths and weights arrays.`);
    const bytes = weights.reduce(
      (n: number, w: unknown, i) => n + specBytes(w, `weightsManifest[${g}].weights[${i}]`),
      0,
    );
    return { paths: paths as string[], bytes };
  });
}

/** Bytes of one weight spec; rejects quantization, other dtypes and malformed shapes. */
function specBytes(spec: unknown, where: string): number {
  const s = (spec ?? {}) as Partial<tf.io.WeightsManifestEntry>;
  if (s.quantization !== undefined)
    throw new SerializationError(
      `model.json: ${where} is quantized; polymodal files hold plain float32 weights.`,
    );
  const size = DTYPE_BYTES[s.dtype as string];
  if (size === undefined)
    throw new SerializationError(
      `model.json: ${where} has dtype ${JSON.stringify(s.dtype)}; expected float32.`,
    );
  if (
    !Array.isArray(s.shape) ||
    s.shape.length > 8 ||
    !s.shape.every((d) => Number.isSafeInteger(d) && d >= 0)
  )
    throw new SerializationError(`model.json: ${where} has an invalid shape.`);
  const elements = s.shape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(elements * size))
    throw new SerializationError(`model.json: ${where} is too large.`);
  return elements * size;
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
  const weightsSha256 = await sha256(tf.io.CompositeArrayBuffer.join(data));
  const header: Header = {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    kind: schema.kind,
    config,
    ...(weightsSha256 !== undefined ? { weightsSha256 } : {}),
  };
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
 * weight's name, dtype and shape (quantized weights are rejected), the byte length of the weight
 * data, its SHA-256 against the one in the header (files written before the checksum have none),
 * and that every weight is finite. Anything else is rejected with a `SerializationError` before any model is built.
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
  const specs = artifacts.weightSpecs ?? [];
  const quantized = specs.find((s) => s.quantization !== undefined);
  if (quantized !== undefined)
    throw new SerializationError(
      `Weight ${quantized.name} is quantized; polymodal files hold plain float32 weights.`,
    );
  const expected = schema.weightShapes(config);
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
  if (typeof header.weightsSha256 === 'string') {
    const actual = await sha256(data);
    if (actual !== undefined && actual !== header.weightsSha256)
      throw new SerializationError(
        'The weight data does not match the checksum in model.json: the weights were modified or corrupted.',
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
