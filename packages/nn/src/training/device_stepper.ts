import * as tf from '@tensorflow/tfjs-core';
import type { Optimizer } from '../optimizers.js';
import type { FitOptions } from './options.js';
import type { Stepper } from './stepper.js';

/** The tfjs stepper: each update taped and applied inside tf.tidy; losses stay on the device. */
export function deviceStepper(
  path: 'device' | 'hybrid',
  loss: FitOptions['loss'],
  data: readonly tf.Tensor[],
  variables: tf.Variable[],
  optimizer: Optimizer,
  onDispose: () => void = () => {},
): Stepper {
  let pending: tf.Scalar[] = [];
  return {
    path,
    threads: 1,
    step(indices) {
      pending.push(
        tf.tidy(() => {
          const batch =
            indices === undefined ? [...data] : data.map((d) => tf.gather(d, tf.tensor1d(indices, 'int32')));
          const { value, grads } = tf.variableGrads(() => loss(batch), variables);
          optimizer.applyGradients(
            variables,
            variables.map((w) => grads[w.name] as tf.Tensor),
          );
          return value;
        }),
      );
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
