import type * as tf from '@tensorflow/tfjs-core';
import { stackSizes, stackVariables } from '../dense_stack.js';
import { denseWasmAvailable } from '../kernels/dense_wasm.js';
import { hostLossAvailable } from '../kernels/host_loss_kernel.js';
import type { Optimizer } from '../optimizers.js';
import type { FitPath, HostProblem } from './host_loss.js';

// Tuning constants of 'auto' (internal: they describe this machine's crossovers, not an API).

/**
 * Work (batch rows × parameters, summed over members) up to which `'auto'` trains on the host
 * where the runtime has no WebAssembly SIMD (plain TypeScript loops; with SIMD the host path is
 * taken at every size, see {@link choosePath}). Measured by `bench/train-step.bench.ts` (fit() per iteration, wasm, MDN loss): 2×16 at batch 32
 * (11 k) 0.09 ms on the host vs 0.91 ms on the device; 2×64 at batch 32 (143 k) 0.62 vs 0.88;
 * 2×32 at batch 128 (156 k) 0.75 vs 0.90; 2×64 at batch 128 (574 k) 2.4 vs 1.1. The paths cross
 * near 200 k; the bound keeps a margin for slower machines.
 */
export const HOST_PATH_MAX_WORK = 100_000;

/**
 * Network outputs per step (members × batch × output width) up to which `'auto'` runs the loss
 * as a TypeScript kernel (`'hybrid'`) rather than as tfjs ops. The kernel saves dispatches but
 * pays a scalar JS loop per element: measured (wasm, MDN loss) 7.7 k outputs (E = 4, batch 128,
 * K = 5, D = 1) 3.2 ms hybrid vs 4.1 ms device per fit() iteration; 944 k (E = 12, batch 128,
 * K = 15, D = 20) 253 vs 245 ms. The bound sits between the two.
 */
export const HYBRID_MAX_OUTPUTS = 65_536;

/**
 * Whether the whole step can run in TypeScript: the network declares its dense stacks, they hold
 * exactly the trained variables in order, and the optimiser has a host form.
 */
export function hostCapable(
  problem: HostProblem,
  variables: readonly tf.Variable[],
  optimizer: Optimizer,
): boolean {
  const stacks = problem.model.denseStacks?.();
  if (stacks === undefined || optimizer.hostUpdater === undefined) return false;
  const vars = stackVariables(stacks);
  return vars.length === variables.length && vars.every((v, i) => v === variables[i]);
}

/** The path fit() takes for this problem on the active backend (see `HostProblem.path`). */
export function choosePath(
  problem: HostProblem,
  variables: readonly tf.Variable[],
  optimizer: Optimizer,
  batchSize: number,
): FitPath {
  const requested = problem.path ?? 'auto';
  if (requested === 'device' || !hostLossAvailable()) return 'device';
  const host = hostCapable(problem, variables, optimizer);
  // Derived columns exist on the host path only; elsewhere the tfjs loss builds them.
  const hybrid: FitPath = problem.derived === undefined ? 'hybrid' : 'device';
  if (requested === 'hybrid') return hybrid;
  if (requested === 'host') return host ? 'host' : hybrid;
  const stacks = problem.model.denseStacks?.();
  if (stacks === undefined) return 'device'; // no size to judge a crossover by
  const parameters = stackVariables(stacks).reduce((n, v) => n + v.size, 0);
  // With SIMD the host kernels beat tfjs at every measured size (bench/train-step.bench.ts).
  if (host && (denseWasmAvailable() || batchSize * parameters <= HOST_PATH_MAX_WORK)) return 'host';
  const outputWidth = stacks[0] === undefined ? 0 : (stackSizes(stacks[0]).at(-1) as number);
  return batchSize * stacks.length * outputWidth <= HYBRID_MAX_OUTPUTS ? hybrid : 'device';
}
