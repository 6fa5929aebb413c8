import { sharedDenseModule } from '../kernels/dense_wasm.js';
import { kernelWorkersAvailable } from '../kernels/kernel_program.js';

/**
 * Work per step (batch rows × parameters, summed over members) from which `threads: 'auto'`
 * splits an ensemble's members over two threads. A hand-off costs about a microsecond (both
 * sides spin before sleeping), so the split pays once the halves outweigh the imbalance and the
 * loss on this thread: measured (fit() per iteration, wasm, kernel loss, one → two threads)
 * E = 2 2×16 batch 32 (36 k) 0.073 → 0.109 ms; E = 4 2×16 batch 64 (143 k) 0.169 → 0.155;
 * E = 4 2×32 batch 128 (827 k) 0.48 → 0.37; mdn_small (2.8 M) 1.06 → 0.82; E = 5 2×128 batch
 * 256 (25 M) 5.6 → 3.7; saddle-node 147 → 81. The bound keeps a margin above the crossover.
 */
export const THREADS_MIN_WORK = 500_000;

/**
 * Iterations from which `'auto'` starts a worker at all: starting one costs about 20 ms
 * (measured), which a short fit would not earn back.
 */
export const THREADS_MIN_ITERATIONS = 200;

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
 * the step's `work` reaches {@link THREADS_MIN_WORK} and the fit runs at least
 * {@link THREADS_MIN_ITERATIONS}; a number is capped by the members (a thread owns whole
 * members) and by what the runtime can do.
 */
export function chooseThreads(
  requested: number | 'auto',
  members: number,
  work: number,
  iterations: number,
): number {
  if (members < 2 || !hostThreadsAvailable()) return 1;
  if (requested === 'auto')
    return cores() >= 2 && work >= THREADS_MIN_WORK && iterations >= THREADS_MIN_ITERATIONS ? 2 : 1;
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
