import { customOp, ensureHostKernel, supportsHostKernels } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { hostLosses } from './host_loss_registry.js';

/**
 * A loss with a hand-written gradient (a `HostLoss`) as one tfjs kernel on wasm and cpu:
 * the network stays in tfjs (XNNPACK matMuls), while the loss and `∂loss/∂out` — usually a long
 * chain of small elementwise ops — run in a single TypeScript loop over the backend's memory.
 * The loss itself is looked up by id in {@link hostLosses}.
 */
const KERNEL = 'PolymodalHostLoss';

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
      const loss = hostLosses.get(attrs.lossId as number);
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
 * The loss registered as `id` (see {@link hostLosses}) of network outputs `out` (`[members, rows, outputDim]` in memory) and
 * the minibatch columns, as a differentiable scalar: its gradient flows into `out` only.
 */
export function hostLossOp(id: number, out: tf.Tensor, batch: readonly tf.Tensor[]): tf.Scalar {
  const rows = batch[0]?.shape[0] as number;
  const op = customOp((inputs, save) => {
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
      gradFunc: (dy, saved) => [
        tf.mul(dy, saved[0] as tf.Tensor),
        ...inputs.slice(1).map((b) => tf.zerosLike(b)),
      ],
    };
  });
  return op(out, ...batch) as tf.Scalar;
}
