import { sharedDenseModule } from '../kernels/dense_wasm.js';
import { kernelWorkersAvailable } from '../kernels/kernel_program.js';

/**
 * Work per step (batch rows × parameters, summed over members) from which `threads: 'auto'`
 * splits an ensemble's members over two threads. Starting a worker and three hand-offs a step
 * (forward, backward, Adam) cost about a millisecond in all, so only steps far longer gain.
 * Measured by `bench/train-step.bench.ts` (fit() per iteration, wasm).
 */
export const THREADS_MIN_WORK = 20_000_000;

/** Cores this runtime reports (Node's availableParallelism, the browser's hardwareConcurrency). */
function cores(): number {
  const g = globalThis as {
    process?: { getBuiltinModule?: (id: string) => { availableParallelism?: () => number } | undefined };
    navigator?: { hardwareConcurrency?: number };
  };
  return (
    g.process?.getBuiltinModule?.('node:os')?.availableParallelism?.() ??
    g.navigator?.hardwareConcurrency ??
    1
  );
}

/** Whether worker threads can share the kernels' memory here. */
export function hostThreadsAvailable(): boolean {
  return kernelWorkersAvailable() && sharedDenseModule() !== null;
}

/**
 * Threads fit()'s host path uses (1 = this thread only). `requested` is `HostProblem.threads`:
 * `'auto'` takes two when there are two members or more, two cores, shared memory and workers,
 * and the step's `work` reaches {@link THREADS_MIN_WORK}; a number is capped by the members
 * (a thread owns whole members) and by what the runtime can do.
 */
export function chooseThreads(requested: number | 'auto', members: number, work: number): number {
  if (members < 2 || !hostThreadsAvailable()) return 1;
  if (requested === 'auto') return cores() >= 2 && work >= THREADS_MIN_WORK ? 2 : 1;
  return Math.max(1, Math.min(requested, members));
}

/** Members split into `threads` contiguous groups of near-equal size, thread 0 first. */
export function memberGroups(members: number, threads: number): number[][] {
  const t = Math.max(1, Math.min(threads, members));
  return Array.from({ length: t }, (_, i) => {
    const start = Math.floor((i * members) / t);
    const end = Math.floor(((i + 1) * members) / t);
    return Array.from({ length: end - start }, (_, k) => start + k);
  });
}
