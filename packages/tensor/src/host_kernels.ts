import * as tf from '@tensorflow/tfjs-core';

// Kernels written in TypeScript, with direct access to a synchronous CPU-side backend's tensor
// memory: the wasm backend's heap and the cpu backend's arrays. Nothing is copied back to the host
// (there is no device boundary on these backends) and inputs are never mutated. This is backend
// plumbing, so it lives in the one package that knows tfjs backends; nn's fused kernels use it.

/** Float32 views of a kernel's inputs and freshly allocated outputs. */
export interface KernelArrays {
  /** The inputs' memory, read-only, in `inputNames` order. */
  inputs: Float32Array[];
  /** The outputs' memory, to be filled (not zeroed on wasm). */
  outputs: Float32Array[];
  /** The outputs as tensor infos, to return from the kernel. */
  infos: tf.TensorInfo[];
}

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

interface CpuBackendLike {
  data: { get(dataId: tf.DataId): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

type Access = (
  backend: unknown,
  inputs: readonly tf.TensorInfo[],
  outputShapes: readonly number[][],
) => KernelArrays;

const wasm: Access = (backend, inputs, outputShapes) => {
  const b = backend as WasmBackendLike;
  // Allocate first: an allocation may grow (and so detach) the heap that earlier views point into.
  const infos = outputShapes.map((shape) => b.makeOutput([...shape], 'float32'));
  return {
    infos,
    inputs: inputs.map((t) => b.typedArrayFromHeap(t)),
    outputs: infos.map((t) => b.typedArrayFromHeap(t)),
  };
};

const cpu: Access = (backend, inputs, outputShapes) => {
  const b = backend as CpuBackendLike;
  const outputs = outputShapes.map((shape) => new Float32Array(tf.util.sizeFromShape([...shape])));
  return {
    inputs: inputs.map((t) => b.data.get(t.dataId).values),
    outputs,
    infos: outputs.map((values, i) =>
      b.makeTensorInfo([...(outputShapes[i] as number[])], 'float32', values),
    ),
  };
};

const ACCESS: Record<string, Access> = { wasm, cpu };

/** Whether TypeScript kernels can run on `backend`. */
export function supportsHostKernels(backend: string = tf.getBackend()): boolean {
  return backend in ACCESS;
}

/**
 * Registers a TypeScript kernel on `backend` (once); returns false where such kernels cannot run.
 * `compute` gets float32 views of the inputs (in `inputNames` order) and of outputs it must fill.
 */
export function ensureHostKernel(
  kernelName: string,
  inputNames: readonly string[] | ((attrs: tf.NamedAttrMap) => string[]),
  outputShapes: (inputs: readonly tf.TensorInfo[], attrs: tf.NamedAttrMap) => number[][],
  compute: (arrays: KernelArrays, attrs: tf.NamedAttrMap, inputs: readonly tf.TensorInfo[]) => void,
  backend: string = tf.getBackend(),
): boolean {
  const access = ACCESS[backend];
  if (access === undefined) return false;
  if (tf.getKernel(kernelName, backend) === undefined) {
    tf.registerKernel({
      kernelName,
      backendName: backend,
      kernelFunc: ({ inputs, backend: b, attrs }) => {
        const a = attrs ?? {};
        const names = typeof inputNames === 'function' ? inputNames(a) : inputNames;
        const infos = names.map((name) => (inputs as Record<string, tf.TensorInfo>)[name] as tf.TensorInfo);
        const arrays = access(b, infos, outputShapes(infos, a));
        compute(arrays, a, infos);
        return arrays.infos;
      },
    });
  }
  return true;
}
