import { ensureHostKernel, ShapeError, supportsHostKernels, ValueError } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { type DenseStack, type FastPathNetwork, stackSizes } from '../dense_stack.js';
import { type HostMlp, type HostTape, hostForward } from '../host/host_mlp.js';
import { denseWasmAvailable, WasmDenseKernels } from '../kernels/dense_wasm.js';

/**
 * A network's forward pass in nn's WebAssembly SIMD kernels, for inference repeated many times
 * on the same weights (an ODE solver's velocity calls, a large `predict`): one tfjs kernel per
 * call on the wasm and cpu backends, no tfjs dispatch per layer. The weights are those of the
 * network when {@link fusedForward} was called.
 */
export interface FusedForward {
  /**
   * The network's outputs for `x [B, in]`: `[members, B, out]` (members = 1 for an `Mlp`), as
   * `network.apply` lays them out in memory. Not differentiable. The caller disposes.
   */
  apply(x: tf.Tensor2D): tf.Tensor3D;
  /** Frees the kernels' memory (the network is untouched). */
  dispose(): void;
}

const KERNEL = 'PolymodalFusedForward';
/** Rows per pass through the network: bounds the activation buffers (2 · rows · widest floats). */
const CHUNK_ROWS = 4096;
/** The live forwards by id: the tfjs kernel is registered once and looks its forward up. */
const forwards = new Map<number, (x: Float32Array, out: Float32Array, rows: number) => void>();
let nextId = 1;

function ensureKernel(): boolean {
  return ensureHostKernel(
    KERNEL,
    ['x'],
    ([x], attrs) => [
      [attrs.members as number, (x as tf.TensorInfo).shape[0] as number, attrs.outputs as number],
    ],
    ({ inputs, outputs }, attrs) => {
      const run = forwards.get(attrs.forwardId as number);
      if (run === undefined) throw new Error(`${KERNEL}: forward ${attrs.forwardId} was disposed.`);
      const x = inputs[0] as Float32Array;
      run(x, outputs[0] as Float32Array, x.length / (attrs.inputs as number));
    },
  );
}

/** One member's weights, read once. */
function memberOf(stack: DenseStack): HostMlp {
  const read = (t: tf.Tensor) => (t.dataSync() as Float32Array).slice();
  return {
    sizes: stackSizes(stack),
    activation: stack.activation,
    outputActivation: stack.outputActivation,
    kernels: stack.layers.map((l) => read(l.kernel)),
    biases: stack.layers.map((l) => read(l.bias)),
  };
}

/** A member's weights copied into the kernels' memory. */
function memberIn(kernels: WasmDenseKernels, net: HostMlp): HostMlp {
  const copy = (a: Float32Array) => {
    const view = kernels.alloc(a.length);
    view.set(a);
    return view;
  };
  return { ...net, kernels: net.kernels.map(copy), biases: net.biases.map(copy) };
}

/**
 * A two-buffer tape for a forward pass only: layer l computes from one buffer into the other and
 * activates in place, so memory is `2 · rows · widest` whatever the depth.
 */
function forwardTape(
  sizes: readonly number[],
  rows: number,
  buffers: [Float32Array, Float32Array],
): HostTape {
  const view = (l: number, width: number) => (buffers[l % 2] as Float32Array).subarray(0, rows * width);
  return {
    rows,
    a: sizes.map((w, l) => view(l, w)),
    z: sizes.slice(1).map((w, l) => view(l + 1, w)),
    da: [],
  };
}

/**
 * The network's forward pass on nn's WebAssembly kernels (see {@link FusedForward}), or
 * `undefined` where it cannot run: a backend other than wasm or cpu, no WebAssembly SIMD, or a
 * network that declares no dense stacks. Reads the weights once.
 */
export function fusedForward(network: FastPathNetwork): FusedForward | undefined {
  const stacks = network.denseStacks?.();
  if (stacks === undefined || stacks.length === 0) return undefined;
  if (!supportsHostKernels() || !denseWasmAvailable() || !ensureKernel()) return undefined;
  const members = stacks.map(memberOf);
  const sizes = (members[0] as HostMlp).sizes;
  const [inputs, outputs] = [sizes[0] as number, sizes.at(-1) as number];
  const widest = Math.max(...sizes);
  const { reserve } = WasmDenseKernels;
  const arrays = members.flatMap((m) => [...m.kernels, ...m.biases]);
  const weights = arrays.reduce((n, a) => n + reserve(a.length), 0);
  const maxKernel = Math.max(...members.flatMap((m) => m.kernels.map((k) => k.length)));
  // Memory for `rows` rows: weights, then two activation buffers (re-made for larger batches).
  let capacity = 0;
  let kernels: WasmDenseKernels | undefined;
  let nets: HostMlp[] = [];
  let buffers: [Float32Array, Float32Array] | undefined;
  const ensure = (rows: number) => {
    if (rows <= capacity) return;
    capacity = Math.max(rows, 2 * capacity);
    kernels = WasmDenseKernels.create(weights + 2 * reserve(capacity * widest), maxKernel);
    const k = kernels;
    nets = members.map((m) => memberIn(k, m));
    buffers = [k.alloc(capacity * widest), k.alloc(capacity * widest)];
  };
  ensure(256);
  const id = nextId++;
  forwards.set(id, (x, out, rows) => {
    // CHUNK_ROWS at a time, so the buffers stay small whatever the batch.
    ensure(Math.min(rows, CHUNK_ROWS));
    const k = kernels as WasmDenseKernels;
    const b = buffers as [Float32Array, Float32Array];
    for (let start = 0; start < rows; start += CHUNK_ROWS) {
      const size = Math.min(CHUNK_ROWS, rows - start);
      for (const [e, net] of nets.entries()) {
        const tape = forwardTape(net.sizes, size, b);
        (tape.a[0] as Float32Array).set(x.subarray(start * inputs, (start + size) * inputs));
        out.set(hostForward(net, tape, k), (e * rows + start) * outputs);
      }
    }
  });
  return {
    apply(x) {
      if (!forwards.has(id)) throw new ValueError('fusedForward: apply after dispose.');
      if (x.rank !== 2 || x.shape[1] !== inputs || x.dtype !== 'float32')
        throw new ShapeError(
          `fusedForward: expected float32 x of shape [B, ${inputs}], got ${x.dtype} [${x.shape}].`,
        );
      const attrs = { forwardId: id, members: members.length, inputs, outputs };
      // The kernel returns an array of outputs, so tfjs does too.
      return (tf.engine().runKernel(KERNEL, { x }, attrs) as tf.Tensor[])[0] as tf.Tensor3D;
    },
    dispose() {
      forwards.delete(id);
      kernels = undefined;
      nets = [];
      buffers = undefined;
    },
  };
}
