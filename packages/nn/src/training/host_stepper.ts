import * as tf from '@tensorflow/tfjs-core';
import { type DenseStack, stackSizes } from '../dense_stack.js';
import {
  type HostMlp,
  type HostTape,
  hostBackward,
  hostForward,
  hostTape,
  hostTapeFloats,
  typescriptDenseKernels,
} from '../host/host_mlp.js';
import { type DenseKernels, denseWasmAvailable, WasmDenseKernels } from '../kernels/dense_wasm.js';
import type { Optimizer } from '../optimizers.js';
import type { HostProblem } from './host_loss.js';
import type { Stepper } from './stepper.js';

/** A dense stack's weights copied to the host. */
function hostNetwork(stack: DenseStack): HostMlp {
  return {
    sizes: stackSizes(stack),
    activation: stack.activation,
    outputActivation: stack.outputActivation,
    kernels: stack.layers.map((l) => (l.kernel.dataSync() as Float32Array).slice()),
    biases: stack.layers.map((l) => (l.bias.dataSync() as Float32Array).slice()),
  };
}

/**
 * The host stepper, for networks that declare dense stacks (see `choosePath`): reads data and
 * weights once, runs forward, loss, backward and the optimiser's host update on host arrays, and
 * writes the weights back to the variables at each drain. Where the runtime has WebAssembly SIMD
 * the weights, gradients and activations live in one wasm memory and the dense layers run in the
 * SIMD kernels (`kernels/dense_wasm.ts`); elsewhere in plain TypeScript loops.
 */
export function hostStepper(
  problem: HostProblem,
  data: readonly tf.Tensor[],
  variables: tf.Variable[],
  optimizer: Optimizer,
): Stepper {
  const stacks = problem.model.denseStacks?.() ?? [];
  const nets = stacks.map(hostNetwork);
  // Parameters in `variables` order: member by member, kernel then bias per layer.
  const paramsOf = () => nets.flatMap((n) => n.kernels.flatMap((k, l) => [k, n.biases[l] as Float32Array]));
  let params = paramsOf();
  let grads: Float32Array[] = params.map((p) => new Float32Array(p.length));
  let kernels: DenseKernels = typescriptDenseKernels;
  const useWasm = denseWasmAvailable();
  const updater = (optimizer.hostUpdater as NonNullable<Optimizer['hostUpdater']>)(variables);
  const rowsOf = (d: tf.Tensor) => d.shape[0] as number;
  const columns = data.map((d) => d.size / rowsOf(d));
  const values = data.map((d) => d.dataSync() as Float32Array);
  const inputIndex = problem.input ?? 0;
  const outDim = nets[0]?.sizes.at(-1) as number;
  let tapes: HostTape[] = [];
  let batch: Float32Array[] = [];
  let out = new Float32Array(0);
  let gradOut = new Float32Array(0);
  let losses: number[] = [];

  // Sizes one wasm memory for weights, gradients and tapes of `rows` rows and moves the weights
  // into it (once per fit: minibatches are all full).
  const bindWasm = (rows: number): ((n: number) => Float32Array) => {
    const { reserve } = WasmDenseKernels;
    const floats =
      2 * params.reduce((n, p) => n + reserve(p.length), 0) +
      nets.reduce((n, net) => n + hostTapeFloats(net, rows, reserve), 0);
    const maxKernel = Math.max(...nets.flatMap((n) => n.kernels.map((k) => k.length)));
    const wasm = new WasmDenseKernels(floats, maxKernel);
    const move = (a: Float32Array) => {
      const view = wasm.alloc(a.length);
      view.set(a);
      return view;
    };
    for (const net of nets) {
      net.kernels = net.kernels.map(move);
      net.biases = net.biases.map(move);
    }
    params = paramsOf();
    grads = params.map((p) => wasm.alloc(p.length));
    kernels = wasm;
    return (n) => wasm.alloc(n);
  };

  const ensureBuffers = (rows: number) => {
    if (tapes[0]?.rows === rows) return;
    const alloc = useWasm ? bindWasm(rows) : undefined;
    tapes = nets.map((n) => hostTape(n, rows, alloc));
    batch = columns.map((c) => new Float32Array(rows * c));
    out = new Float32Array(nets.length * rows * outDim);
    gradOut = new Float32Array(out.length);
  };

  return {
    path: 'host',
    step(indices) {
      const rows = indices?.length ?? rowsOf(data[0] as tf.Tensor);
      ensureBuffers(rows);
      columns.forEach((c, k) => {
        const src = values[k] as Float32Array;
        const dst = batch[k] as Float32Array;
        if (indices === undefined) dst.set(src);
        else
          for (let r = 0; r < rows; r++)
            dst.set(src.subarray((indices[r] as number) * c, ((indices[r] as number) + 1) * c), r * c);
      });
      nets.forEach((net, e) => {
        const tape = tapes[e] as HostTape;
        (tape.a[0] as Float32Array).set(batch[inputIndex] as Float32Array);
        out.set(hostForward(net, tape, kernels), e * rows * outDim);
      });
      gradOut.fill(0);
      losses.push(problem.loss(out, batch, rows, gradOut));
      let g = 0;
      nets.forEach((net, e) => {
        const tape = tapes[e] as HostTape;
        (tape.da[net.kernels.length] as Float32Array).set(
          gradOut.subarray(e * rows * outDim, (e + 1) * rows * outDim),
        );
        const L = net.kernels.length;
        const gk = Array.from({ length: L }, (_, l) => grads[g + 2 * l] as Float32Array);
        const gb = Array.from({ length: L }, (_, l) => grads[g + 2 * l + 1] as Float32Array);
        hostBackward(net, tape, gk, gb, kernels);
        g += 2 * L;
      });
      updater.update(params, grads);
    },
    drain() {
      tf.tidy(() => {
        for (const [i, v] of variables.entries())
          v.assign(tf.tensor((params[i] as Float32Array).slice(), v.shape));
      });
      updater.sync();
      const numbers = losses;
      losses = [];
      return { tensors: [], numbers };
    },
    dispose() {},
  };
}
