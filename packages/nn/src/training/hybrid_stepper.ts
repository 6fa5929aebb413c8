import type * as tf from '@tensorflow/tfjs-core';
import { hostLossOp } from '../kernels/host_loss_kernel.js';
import { hostLosses } from '../kernels/host_loss_registry.js';
import type { Optimizer } from '../optimizers.js';
import { deviceStepper } from './device_stepper.js';
import type { HostProblem } from './host_loss.js';
import type { Stepper } from './stepper.js';

/**
 * The hybrid stepper: the network in tfjs (taped as usual), its loss and `∂loss/∂out` as one
 * TypeScript kernel. The loss is registered for the kernel while the stepper lives.
 */
export function hybridStepper(
  problem: HostProblem,
  data: readonly tf.Tensor[],
  variables: tf.Variable[],
  optimizer: Optimizer,
): Stepper {
  const registration = hostLosses.register(problem.loss);
  const input = problem.input ?? 0;
  const loss = (batch: tf.Tensor[]) =>
    hostLossOp(registration.id, problem.model.apply(batch[input] as tf.Tensor2D), batch);
  return deviceStepper('hybrid', loss, data, variables, optimizer, registration.unregister);
}
