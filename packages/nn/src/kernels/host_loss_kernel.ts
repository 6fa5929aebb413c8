import * as tf from '@tensorflow/tfjs-core';
import type { HostLoss } from '../host/host_fit.js';
import { ensureHostKernel, supportsHostKernels } from './backend_memory.js';

/**
 * A loss with a hand-written gradient (a {@link HostLoss}) as one tfjs kernel on wasm and cpu:
 * the network stays in tfjs (XNNPACK matMuls), while the loss and `∂loss/∂out` — usually a long
 * chain of small elementwise ops — run in a single TypeScript loop over the backend's memory.
 */
const KERNEL = 'PolymodalHostLoss';

// Kernel attributes are plain data, so losses are passed by id while a fit() is running.
const losses = new Map<number, HostLoss>();
let nextId = 0;

/** Makes `loss` callable from the kernel until the returned function is called. */
export function registerHostLoss(loss: HostLoss): { id: number; unregister: () => void } {
  const id = nextId++;
  losses.set(id, loss);
  return { id, unregister: () => losses.delete(id) };
}

const inputNames = (attrs: tf.NamedAttrMap) => [
  'out',
  ...Array.from({ length: attrs.columns as number }, (_, i) => `b${i}`),
];

function ensureKernel(): boolean {
  return ensureHostKernel(
    KERNEL,
    inputNames,
    ([out]) => [[1], [...(out as tf.TensorInfo).shape]],
    ({ inputs, outputs }, attrs) => {
      const loss = losses.get(attrs.lossId as number);
      if (loss === undefined) throw new Error(`${KERNEL}: loss ${attrs.lossId} is not registered.`);
      const [value, gradOut] = outputs as [Float32Array, Float32Array];
      gradOut.fill(0); // wasm outputs are not zeroed
      value[0] = loss(inputs[0] as Float32Array, inputs.slice(1), attrs.rows as number, gradOut);
    },
  );
}

/** Whether {@link hostLossOp} can run on the active backend. */
export function hostLossAvailable(): boolean {
  return supportsHostKernels() && ensureKernel();
}

/**
 * The registered loss `id` of network outputs `out` (`[members, rows, outputDim]` in memory) and
 * the minibatch columns, as a differentiable scalar: its gradient flows into `out` only.
 */
export function hostLossOp(id: number, out: tf.Tensor, batch: readonly tf.Tensor[]): tf.Scalar {
  const rows = batch[0]?.shape[0] as number;
  const op = tf.customGrad(((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const inputs = args as tf.Tensor[];
    const named: tf.NamedTensorMap = { out: inputs[0] as tf.Tensor };
    inputs.slice(1).forEach((b, i) => {
      named[`b${i}`] = b;
    });
    const [value, gradOut] = tf
      .engine()
      .runKernel(KERNEL, named, { lossId: id, rows, columns: inputs.length - 1 }) as tf.Tensor[];
    save([gradOut as tf.Tensor]);
    return {
      value: tf.reshape(value as tf.Tensor, []),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
        tf.mul(dy, saved[0] as tf.Tensor),
        ...inputs.slice(1).map((b) => tf.zerosLike(b)),
      ],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(out, ...batch) as tf.Scalar;
}
