import type * as tf from '@tensorflow/tfjs-core';
import type { Optimizer } from '../optimizers.js';
import { deviceStepper } from './device_stepper.js';
import type { FitPath } from './host_loss.js';
import { hostStepper } from './host_stepper.js';
import { chooseThreads } from './host_threads.js';
import { hybridStepper } from './hybrid_stepper.js';
import type { FitOptions } from './options.js';
import { choosePath } from './path_choice.js';

/**
 * How a fit() loop takes steps: one execution path (device, hybrid or host) behind the same four
 * calls, so the loop, its checks and snapshots never know which one runs.
 */
export interface Stepper {
  /** The execution path. */
  readonly path: FitPath;
  /** Threads it runs on. */
  readonly threads: number;
  /** One update on the rows `indices` (all rows when undefined). */
  step(indices: Int32Array | undefined): void | Promise<void>;
  /** Makes the variables current and hands over the losses recorded since the last drain. */
  drain(): { tensors: tf.Scalar[]; numbers: number[] };
  /** Finishes any asynchronous set-up (worker threads starting) before the first step. */
  ready?(): Promise<void>;
  /** Frees what the stepper holds (pending losses, a registered host loss). */
  dispose(): void;
}

/** The stepper for a fit: the path the problem's network and the backend allow (see `choosePath`). */
export function createStepper(
  options: Pick<FitOptions, 'loss' | 'host' | 'iterations' | 'prepareBatch'>,
  data: readonly tf.Tensor[],
  variables: tf.Variable[],
  optimizer: Optimizer,
  batchSize: number,
): Stepper {
  const { host, prepareBatch } = options;
  if (prepareBatch !== undefined)
    return deviceStepper('device', options.loss, data, variables, optimizer, undefined, prepareBatch);
  const path = host === undefined ? 'device' : choosePath(host, variables, optimizer, batchSize);
  if (host !== undefined && path === 'host') {
    const stacks = host.model.denseStacks?.() ?? [];
    const work = batchSize * variables.reduce((n, v) => n + v.size, 0);
    const threads = chooseThreads(host.threads ?? 'auto', stacks.length, work, options.iterations ?? 0);
    return hostStepper(host, data, variables, optimizer, threads, batchSize);
  }
  if (host !== undefined && path === 'hybrid') return hybridStepper(host, data, variables, optimizer);
  return deviceStepper('device', options.loss, data, variables, optimizer);
}
