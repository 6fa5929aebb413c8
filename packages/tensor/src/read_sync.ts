import * as tf from '@tensorflow/tfjs-core';
import { BackendError, ValueError } from './errors.js';

/**
 * Whether synchronous reads (`dataSync`) are fit for a hot path on the active backend. Not on
 * WebGPU: in Node it cannot read synchronously at all (tfjs-backend-webgpu reads through an
 * OffscreenCanvas, which Node lacks), and in a browser that route stalls the queue on every read
 * (and on software adapters such as SwiftShader it can lose the device). Code that must read inside
 * a step takes an asynchronous route where this is false.
 */
export function syncReadsAvailable(): boolean {
  return tf.getBackend() !== 'webgpu';
}

/**
 * `t.dataSync()` for the synchronous public boundaries (constructors, `logProb`, `sample`) that
 * validate their inputs. On WebGPU a tensor whose values still sit on the host (made from arrays
 * and not yet uploaded by a large kernel) reads without touching the device; one that lives on the
 * device is read back by tfjs's slow synchronous route in a browser, and in Node (where that route
 * does not exist) is a {@link BackendError} saying what to pass instead, rather than tfjs's
 * "OffscreenCanvas is not defined".
 *
 * @param what names the read for the message ("GaussianMixture: means").
 * @throws BackendError; ValueError when `t` is not a tensor
 */
export function readSync(t: tf.Tensor, what: string): tf.TypedArray {
  if (!(t instanceof tf.Tensor)) throw new ValueError(`${String(what)}: expected a tensor to read.`);
  if (t.isDisposed) throw new ValueError(`${String(what)}: the tensor has been disposed.`);
  if (syncReadsAvailable()) return t.dataSync() as tf.TypedArray;
  try {
    return t.dataSync() as tf.TypedArray;
  } catch (error) {
    throw new BackendError(
      `${what} is read synchronously here, which ${tf.getBackend()} cannot do for a tensor on the device (${(error as Error).message}): pass host arrays (number[] / number[][]) or a freshly made tensor, or use the asynchronous entry point where there is one.`,
    );
  }
}
