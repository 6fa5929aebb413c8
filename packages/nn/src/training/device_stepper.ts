import * as tf from '@tensorflow/tfjs-core';
import type { Optimizer } from '../optimizers.js';
import type { FitOptions } from './options.js';
import type { Stepper } from './stepper.js';

/**
 * The tfjs stepper: each update taped and applied inside tf.tidy; losses stay on the device. With
 * `prepareBatch`, each minibatch passes through it (asynchronously) before the update.
 */
export function deviceStepper(
  path: 'device' | 'hybrid',
  loss: FitOptions['loss'],
  data: readonly tf.Tensor[],
  variables: tf.Variable[],
  optimizer: Optimizer,
  onDispose: () => void = () => {},
  prepareBatch?: FitOptions['prepareBatch'],
): Stepper {
  let pending: tf.Scalar[] = [];
  const gather = (indices: Int32Array | undefined) =>
    indices === undefined ? [...data] : data.map((d) => tf.gather(d, tf.tensor1d(indices, 'int32')));
  const update = (batch: tf.Tensor[]) =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => loss(batch), variables);
      optimizer.applyGradients(
        variables,
        variables.map((w) => grads[w.name] as tf.Tensor),
      );
      return value;
    });
  return {
    path,
    threads: 1,
    step(indices) {
      if (prepareBatch === undefined) {
        pending.push(tf.tidy(() => update(gather(indices))));
        return;
      }
      return (async () => {
        const batch = indices === undefined ? [...data] : tf.tidy(() => gather(indices));
        // Only the gathered copies are ours to free (without indices the batch is the data itself).
        const owned = indices === undefined ? [] : batch;
        let prepared: tf.Tensor[] = [];
        try {
          prepared = await prepareBatch(batch);
          pending.push(update(prepared));
        } finally {
          tf.dispose([...owned, ...prepared].filter((t) => !data.includes(t)));
        }
      })();
    },
    drain() {
      const tensors = pending;
      pending = [];
      return { tensors, numbers: [] };
    },
    dispose() {
      tf.dispose(pending);
      pending = [];
      onDispose();
    },
  };
}
