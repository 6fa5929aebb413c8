import type * as tf from '@tensorflow/tfjs-core';
import type { Activation } from './activations.js';
import type { DenseLayer } from './dense.js';

/**
 * A plain stack of dense layers: `h ← act(h W_l + b_l)`, with `outputActivation` after the last.
 * The shape `fit()`'s fast paths know how to run without tfjs.
 */
export interface DenseStack {
  /** The layers, input to output. */
  readonly layers: readonly DenseLayer[];
  /** Activation after every layer but the last. */
  readonly activation: Activation;
  /** Activation after the last layer. */
  readonly outputActivation: Activation;
}

/**
 * The capability a network declares to get `fit()`'s fast training paths (see `HostProblem`):
 * a forward pass, and optionally its layers as dense stacks. Any network with `apply` can train
 * its loss as one TypeScript kernel (the hybrid path); one that also declares `denseStacks` can
 * train entirely in TypeScript when it is small (the host path). `Mlp` and `EnsembleMlp` declare
 * both, so a flow's velocity network or a sampler's generator built from them gets the same paths
 * as an MDN without `fit()` knowing about any of them.
 */
export interface FastPathNetwork {
  /**
   * The forward pass of a minibatch `[B, in]`: `[members, B, out]`, or `[B, out]` for one member
   * (the same row-major layout).
   */
  apply(x: tf.Tensor2D): tf.Tensor;
  /**
   * The network as dense stacks, one per member, whose variables (member by member, kernel then
   * bias per layer) are exactly the variables `fit()` trains. Absent for other architectures.
   */
  denseStacks?(): readonly DenseStack[];
}

/** A {@link FastPathNetwork} that declares its dense stacks. */
export interface DenseStackNetwork extends FastPathNetwork {
  denseStacks(): readonly DenseStack[];
}

/** `[in, ...hidden, out]` widths of a stack. */
export function stackSizes(stack: DenseStack): number[] {
  const first = stack.layers[0];
  if (first === undefined) return [];
  return [first.kernel.shape[0], ...stack.layers.map((l) => l.kernel.shape[1])];
}

/** The variables of stacks in training order: member by member, kernel then bias per layer. */
export function stackVariables(stacks: readonly DenseStack[]): tf.Variable[] {
  return stacks.flatMap((s) => s.layers.flatMap((l) => [l.kernel, l.bias]));
}
