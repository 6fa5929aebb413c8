import * as tf from '@tensorflow/tfjs-core';
import { checkCudaHere, cudaProblem } from './cuda.js';
import { BackendError, ValueError } from './errors.js';
import { nodeWebgpuProvided, provideNodeWebgpu, type WebgpuAdapter } from './node_webgpu.js';
import { checkOptions } from './options.js';

export { syncReadsAvailable } from './read_sync.js';

import { assertPositiveInteger } from './validate.js';
import './register.js';

/** The backends {@link initBackend} can select. `'tensorflow'` is tfjs-node(-gpu)'s native backend. */
export type BackendName = 'auto' | 'tensorflow' | 'wasm' | 'cpu' | 'webgl' | 'webgpu';

const BACKEND_NAMES: readonly BackendName[] = ['auto', 'tensorflow', 'wasm', 'cpu', 'webgl', 'webgpu'];

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /**
   * Which backend to use. Default: the `POLYMODAL_BACKEND` environment variable if set, else
   * `'auto'` (Node: tfjs-node-gpu → tfjs-node → wasm → cpu; browser: webgpu → webgl → wasm → cpu).
   */
  backend?: BackendName;
  /** Threads for the wasm backend in a browser with cross-origin isolation (ignored in Node). */
  threads?: number;
  /** Where the wasm binaries live in a browser bundle (see tfjs-backend-wasm's `setWasmPaths`). */
  wasmPaths?: string | Record<string, string>;
}

/** One backend {@link initBackend} tried and could not use. */
export interface BackendAttempt {
  /** The backend tried. */
  backend: string;
  /** Why it failed (first line of the error). */
  error: string;
}

/** What {@link initBackend} chose, why, and what it could not use. */
export interface BackendInfo {
  /** The active tfjs backend name (`'tensorflow'`, `'wasm'`, `'cpu'`, ...). */
  name: string;
  /** What was asked for. */
  requested: BackendName;
  /** Why this backend is active, in words. */
  reason: string;
  /** Backends tried first that failed, in order. */
  tried: BackendAttempt[];
  /** `'node'` or `'browser'`. */
  environment: 'node' | 'browser';
  /** tfjs-core version in use. */
  tfjsVersion: string;
  /** For wasm: whether the SIMD build runs. */
  simd?: boolean;
  /** For wasm: worker threads in use (1 in Node, where upstream disables threads). */
  threads?: number;
  /** For tensorflow: which npm package provided it. */
  package?: string;
  /**
   * For tensorflow: whether it can use a GPU (false for tfjs-node, and for tfjs-node-gpu without
   * an NVIDIA driver or the CUDA 11.2 / cuDNN 8.1 libraries, where it silently runs on the CPU).
   */
  gpu?: boolean;
  /** For webgpu: the adapter in use. */
  adapter?: WebgpuAdapter;
}

const isNode = typeof process !== 'undefined' && process.versions?.node != null;
let current: BackendInfo | undefined;

// Optional peers are imported through variables so bundlers do not try to resolve them at build
// time; in a bundled browser app, import them yourself (they register on import) and initBackend
// finds them registered. The wasm backend is a real dependency and is imported literally, so
// bundlers include it.
const NODE_GPU = '@tensorflow/tfjs-node-gpu';
const NODE_CPU = '@tensorflow/tfjs-node';
const WASM = '@tensorflow/tfjs-backend-wasm';
const WEBGPU = '@tensorflow/tfjs-backend-webgpu';

/** Whether a backend factory is already registered (e.g. the app imported the package). */
const registered = (name: string) => tf.findBackendFactory(name) != null;

/** What a loader started; `problem` says why a native GPU build runs on the CPU. */
type Loaded = Partial<BackendInfo> & { name: string; problem?: string };

/** `explicit`: the backend was asked for by name (not by 'auto'). */
type Loader = (options: InitBackendOptions, explicit: boolean) => Promise<Loaded>;

async function activate(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tf.setBackend('${name}') returned false`);
  await tf.ready();
}

const loadTensorflow: Loader = async () => {
  if (registered('tensorflow')) {
    await activate('tensorflow');
    return { name: 'tensorflow', package: 'registered by the application' };
  }
  const errors: string[] = [];
  for (const pkg of [NODE_GPU, NODE_CPU]) {
    try {
      await import(/* @vite-ignore */ pkg);
      await activate('tensorflow');
      await assertSingleTfjsCore([pkg]);
      if (pkg === NODE_CPU) return { name: 'tensorflow', package: pkg, gpu: false };
      const problem = cudaProblem(await checkCudaHere());
      return {
        name: 'tensorflow',
        package: pkg,
        gpu: problem === undefined,
        ...(problem ? { problem } : {}),
      };
    } catch (error) {
      if (error instanceof BackendError) throw error;
      errors.push(`${pkg}: ${firstLine(error)}`);
    }
  }
  throw new Error(errors.join('; '));
};

const loadWasm: Loader = async (options) => {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (options.wasmPaths !== undefined) wasm.setWasmPaths(options.wasmPaths as string);
  if (!isNode && options.threads !== undefined) wasm.setThreadsCount(options.threads);
  await activate('wasm');
  await assertSingleTfjsCore([WASM]);
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  return { name: 'wasm', simd, threads: wasm.getThreadsCount() };
};

const loadWebgpu: Loader = async (_, explicit) => {
  // In Node, `navigator.gpu` comes from the `webgpu` package; a software adapter only when asked.
  const adapter =
    isNode &&
    (nodeWebgpuProvided() || (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu === undefined)
      ? await provideNodeWebgpu({ allowSoftware: explicit })
      : undefined;
  if (!registered('webgpu')) {
    try {
      await import(/* @vite-ignore */ WEBGPU);
    } catch {
      throw new Error(`${WEBGPU} is not installed or not imported by the application`);
    }
  }
  await activate('webgpu');
  return { name: 'webgpu', ...(adapter ? { adapter } : {}) };
};

const LOADERS: Record<Exclude<BackendName, 'auto'>, Loader> = {
  tensorflow: loadTensorflow,
  wasm: loadWasm,
  webgpu: loadWebgpu,
  webgl: async () => {
    await activate('webgl');
    return { name: 'webgl' };
  },
  cpu: async () => {
    await activate('cpu');
    return { name: 'cpu' };
  },
};

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

function requestedBackend(options: InitBackendOptions): BackendName {
  const env = isNode ? process.env.POLYMODAL_BACKEND : undefined;
  const requested = options.backend ?? (env === undefined || env === '' ? 'auto' : env);
  if (!BACKEND_NAMES.includes(requested as BackendName)) {
    const from = options.backend === undefined ? ' (from POLYMODAL_BACKEND)' : '';
    throw new ValueError(
      `Unknown backend '${requested}'${from}; expected one of ${BACKEND_NAMES.map((b) => `'${b}'`).join(', ')}.`,
    );
  }
  return requested as BackendName;
}

// Node's and bundlers' wording when an optional peer is simply not installed.
const NOT_INSTALLED_MESSAGE =
  /Cannot find (package|module)|ERR_MODULE_NOT_FOUND|(Could not|Failed to) resolve/;
// An attempt lists one message per package it tried ('; ' between them): all must say "missing".
const notInstalled = (a: BackendAttempt) => a.error.split('; ').every((m) => NOT_INSTALLED_MESSAGE.test(m));

/**
 * Why 'auto' landed on `candidate`: an optional peer that is not installed is the normal path
 * (said as such), a backend that is installed but failed to start is a fallback.
 */
function autoFallbackReason(candidate: string, tried: BackendAttempt[]): string {
  const missing = tried.filter(notInstalled);
  const failed = tried.filter((a) => !notInstalled(a));
  const parts: string[] = [];
  if (missing.length > 0)
    parts.push(
      `${missing.map((a) => a.backend).join(', ')} not installed (optional: tfjs-node or tfjs-node-gpu; webgpu)`,
    );
  for (const a of failed) parts.push(`${a.backend}: ${a.error}`);
  const embedded = candidate === 'wasm' ? ', the embedded default' : '';
  return `'auto' picked ${candidate}${embedded}: ${parts.join('; ')}`;
}

/**
 * Selects and initialises the tfjs backend, and returns what was chosen and why.
 *
 * `'auto'` tries, in Node, `@tensorflow/tfjs-node-gpu` when it really has a GPU (an NVIDIA driver
 * and the CUDA 11.2 / cuDNN 8.1 libraries: without them it silently runs on the CPU, which
 * {@link BackendInfo} says), then WebGPU through the `webgpu` package (Dawn) when a hardware adapter
 * exists, then a CPU-only `@tensorflow/tfjs-node(-gpu)`, then wasm (its binaries ship inside the
 * npm package: no network), then cpu; in a browser webgpu → webgl → wasm → cpu. `'webgpu'` asked
 * by name in Node also accepts a software adapter (Mesa's llvmpipe: for testing, not speed). The
 * optional peers load lazily. A named backend that fails to start is an error, not a silent
 * fallback. The `POLYMODAL_BACKEND` environment variable overrides the default.
 *
 * Also checks that only one copy of `@tensorflow/tfjs-core` is installed (two copies split tfjs's
 * registries and break model loading) and throws a {@link BackendError} explaining the fix if not.
 *
 * @throws ValueError for an unknown backend name; BackendError when the requested backend (or,
 *   for `'auto'`, every candidate) fails, or tfjs-core is duplicated.
 */
export async function initBackend(options?: InitBackendOptions): Promise<BackendInfo> {
  options = checkOptions(options, ['backend', 'threads', 'wasmPaths'], 'initBackend');
  const requested = requestedBackend(options);
  if (options.threads !== undefined) assertPositiveInteger(options.threads, 'threads', 1024);
  await assertSingleTfjsCore([]);
  const candidates: Exclude<BackendName, 'auto'>[] =
    requested !== 'auto'
      ? [requested]
      : isNode
        ? ['tensorflow', 'webgpu', 'wasm', 'cpu']
        : ['webgpu', 'webgl', 'wasm', 'cpu'];
  const tried: BackendAttempt[] = [];
  const explicit = requested !== 'auto';
  const settle = (loaded: Loaded, reason: string) => {
    const { problem, ...rest } = loaded;
    current = {
      requested,
      reason: problem ? `${reason}; tfjs-node-gpu runs on the CPU: ${problem}` : reason,
      tried,
      environment: isNode ? 'node' : 'browser',
      tfjsVersion: tf.version_core,
      ...rest,
    };
    return backendInfo();
  };
  // 'auto' in Node keeps a CPU-only native backend (tfjs-node, or tfjs-node-gpu without CUDA) in
  // reserve until a hardware WebGPU adapter has been looked for.
  let reserve: Loaded | undefined;
  for (const candidate of candidates) {
    if (reserve !== undefined && candidate !== 'webgpu') break;
    try {
      const loaded = await LOADERS[candidate](options, explicit);
      if (!explicit && candidate === 'tensorflow' && loaded.gpu === false) {
        reserve = loaded;
        continue;
      }
      const reason = explicit
        ? `'${requested}' was requested${options.backend === undefined ? ' by POLYMODAL_BACKEND' : ''}`
        : tried.length === 0
          ? `'auto' picked ${candidate}, the fastest candidate in ${isNode ? 'Node' : 'a browser'}`
          : autoFallbackReason(candidate, tried);
      return settle(loaded, reason);
    } catch (error) {
      if (error instanceof BackendError) throw error;
      tried.push({ backend: candidate, error: firstLine(error) });
    }
  }
  if (reserve !== undefined) {
    await activate('tensorflow');
    const why = tried.length > 0 ? ` (${tried.map((a) => `${a.backend}: ${a.error}`).join('; ')})` : '';
    return settle(
      reserve,
      `'auto' picked tensorflow (${reserve.package}, CPU) after no hardware WebGPU${why}`,
    );
  }
  const details = tried.map((a) => `${a.backend}: ${a.error}`).join('; ');
  throw new BackendError(`Could not initialise backend '${requested}' (${details}).`);
}

/**
 * What backend is active and why. Before {@link initBackend} runs, describes tfjs's own default
 * choice.
 */
export function backendInfo(): BackendInfo {
  const name = tf.getBackend();
  if (current !== undefined && current.name === name) return { ...current, tried: [...current.tried] };
  return {
    name,
    requested: 'auto',
    reason:
      current === undefined ? "tfjs's default (initBackend was not called)" : 'changed outside initBackend',
    tried: [],
    environment: isNode ? 'node' : 'browser',
    tfjsVersion: tf.version_core,
  };
}

/**
 * Lists the distinct installed copies of `@tensorflow/tfjs-core` visible from `fromDirs` (Node
 * only; resolved like `require` would, symlinks followed). One entry means one shared copy.
 *
 * @param fromDirs directories to resolve from.
 */
export async function findTfjsCoreCopies(fromDirs: readonly string[]): Promise<string[]> {
  const { createRequire } = await import('node:module');
  const { realpathSync } = await import('node:fs');
  const { dirname, join } = await import('node:path');
  const copies = new Set<string>();
  for (const dir of fromDirs) {
    try {
      const resolved = createRequire(join(dir, 'noop.js')).resolve('@tensorflow/tfjs-core/package.json');
      copies.add(dirname(realpathSync(resolved)));
    } catch {
      // Not resolvable from there: that package does not see tfjs-core itself.
    }
  }
  return [...copies];
}

/** Throws a BackendError when our tfjs-core and that of `packages` are different copies (Node). */
async function assertSingleTfjsCore(packages: readonly string[]): Promise<void> {
  if (!isNode) return;
  const { createRequire } = await import('node:module');
  const { dirname } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const here = createRequire(import.meta.url);
  const dirs = [dirname(fileURLToPath(import.meta.url))];
  for (const pkg of ['@tensorflow/tfjs', ...packages]) {
    try {
      dirs.push(dirname(here.resolve(`${pkg}/package.json`)));
    } catch {
      // Not installed (optional peer).
    }
  }
  const copies = await findTfjsCoreCopies(dirs);
  if (copies.length > 1) {
    throw new BackendError(
      `Found ${copies.length} copies of @tensorflow/tfjs-core (${copies.join(', ')}). Two copies split tfjs's ` +
        'IO and serialization registries, so saving and loading models breaks. Install every @tensorflow/* ' +
        'package at the same version (polymodal uses 4.22.0) and dedupe (npm dedupe / pnpm dedupe).',
    );
  }
}
