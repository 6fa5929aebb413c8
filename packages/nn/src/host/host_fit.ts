import * as tf from '@tensorflow/tfjs-core';
import { EnsembleMlp } from '../ensemble_mlp.js';
import { hostLossAvailable, hostLossOp } from '../kernels/host_loss_kernel.js';
import type { Mlp } from '../mlp.js';
import type { Optimizer } from '../optimizers.js';
import { type HostMlp, type HostTape, hostBackward, hostForward, hostTape } from './host_mlp.js';

/**
 * A minibatch loss with a hand-written gradient, for `fit()`'s plain-TypeScript path.
 *
 * @param out network outputs, row-major `[members, rows, outputDim]` (members = 1 for an Mlp).
 * @param batch the minibatch rows of every `data` tensor, row-major, in `data` order.
 * @param rows rows in the minibatch.
 * @param gradOut zeroed on entry; receive `∂loss/∂out` in the layout of `out`.
 * @returns the loss (the same quantity as the tfjs `loss`).
 */
export type HostLoss = (
  out: Float32Array,
  batch: readonly Float32Array[],
  rows: number,
  gradOut: Float32Array,
) => number;

/** The plain-TypeScript form of a training problem (see {@link FitOptions.host}). */
export interface HostProblem {
  /** The network trained; `fit`'s `variables` must be its `trainableVariables`. */
  model: Mlp | EnsembleMlp;
  /** The loss with its gradient. */
  loss: HostLoss;
  /** Index of the model input among `data`. Default 0. */
  input?: number;
  /**
   * Where the step runs. `'auto'` (default), on wasm or cpu: `'host'` for tiny networks (batch ×
   * parameters ≤ {@link HOST_PATH_MAX_WORK}), where per-op dispatch dominates a tfjs step, else
   * `'hybrid'` while the outputs per step stay within {@link HYBRID_MAX_OUTPUTS}, else `'device'`;
   * on other backends `'device'`.
   * - `'host'`: network, loss and optimiser in TypeScript.
   * - `'hybrid'`: the network in tfjs, the loss and its gradient as one TypeScript kernel.
   * - `'device'`: everything in tfjs ops (the `loss` of {@link FitOptions}).
   */
  path?: FitPath | 'auto';
}

/**
 * Work (batch rows × parameters, summed over members) up to which `'auto'` trains in TypeScript.
 * Measured by `bench/train-step.bench.ts` (fit() per iteration, wasm, MDN loss): 2×16 at batch 32
 * (11 k) 0.09 ms on the host vs 0.91 ms on the device; 2×64 at batch 32 (143 k) 0.62 vs 0.88;
 * 2×32 at batch 128 (156 k) 0.75 vs 0.90; 2×64 at batch 128 (574 k) 2.4 vs 1.1. The paths cross
 * near 200 k; the bound keeps a margin for slower machines.
 */
export const HOST_PATH_MAX_WORK = 100_000;

/**
 * Network outputs per step (members × batch × outputDim) up to which `'auto'` runs the loss as a
 * TypeScript kernel (`'hybrid'`) rather than as tfjs ops. The kernel saves dispatches but pays a
 * scalar JS loop per element: measured (wasm, MDN loss) 7.7 k outputs (E = 4, batch 128, K = 5,
 * D = 1) 3.2 ms hybrid vs 4.1 ms device per fit() iteration; 944 k (E = 12, batch 128, K = 15,
 * D = 20) 253 vs 245 ms. The bound sits between the two.
 */
export const HYBRID_MAX_OUTPUTS = 65_536;

/** Where fit() ran its updates; see {@link HostProblem.path}. */
export type FitPath = 'device' | 'hybrid' | 'host';

/** How a fit() loop takes steps. */
export interface Stepper {
  readonly path: FitPath;
  /** One update on the rows `indices` (all rows when undefined). */
  step(indices: Int32Array | undefined): void;
  /** Makes the variables current and hands over the losses recorded since the last drain. */
  drain(): { tensors: tf.Scalar[]; numbers: number[] };
  dispose(): void;
}

function members(model: Mlp | EnsembleMlp): Mlp[] {
  return model instanceof EnsembleMlp ? [...model.members] : [model];
}

/** The path fit() takes for this problem on the active backend. */
export function choosePath(
  problem: HostProblem,
  variables: readonly tf.Variable[],
  optimizer: Optimizer,
  batchSize: number,
): FitPath {
  const requested = problem.path ?? 'auto';
  if (requested === 'device' || !hostLossAvailable()) return 'device';
  const vars = problem.model.trainableVariables;
  const hostCapable =
    optimizer.hostUpdater !== undefined &&
    vars.length === variables.length &&
    vars.every((v, i) => v === variables[i]);
  if (requested === 'hybrid') return 'hybrid';
  if (requested === 'host') return hostCapable ? 'host' : 'hybrid';
  const nets = members(problem.model);
  const work = batchSize * nets.reduce((n, m) => n + m.parameterCount, 0);
  if (hostCapable && work <= HOST_PATH_MAX_WORK) return 'host';
  const outputs = batchSize * nets.length * (nets[0]?.config.outputDim ?? 0);
  return outputs <= HYBRID_MAX_OUTPUTS ? 'hybrid' : 'device';
}

/** The tfjs loss of the hybrid path: the model in tfjs, then the registered host loss kernel. */
export function hybridLoss(problem: HostProblem, lossId: number): (batch: tf.Tensor[]) => tf.Scalar {
  const input = problem.input ?? 0;
  return (batch) => {
    const x = batch[input] as tf.Tensor2D;
    const out = problem.model instanceof EnsembleMlp ? problem.model.apply(x) : problem.model.apply(x);
    return hostLossOp(lossId, out, batch);
  };
}

/** The TypeScript stepper: reads data and weights once, writes weights back at each drain. */
export function hostStepper(
  problem: HostProblem,
  data: readonly tf.Tensor[],
  variables: tf.Variable[],
  optimizer: Optimizer,
): Stepper {
  const nets: HostMlp[] = members(problem.model).map((m) => ({
    sizes: [m.config.inputDim, ...m.config.hiddenUnits, m.config.outputDim],
    activation: m.config.activation,
    outputActivation: m.config.outputActivation,
    kernels: m.layers.map((l) => (l.kernel.dataSync() as Float32Array).slice()),
    biases: m.layers.map((l) => (l.bias.dataSync() as Float32Array).slice()),
  }));
  // Parameters in `variables` order: member by member, kernel then bias per layer.
  const params = nets.flatMap((n) => n.kernels.flatMap((k, l) => [k, n.biases[l] as Float32Array]));
  const grads = params.map((p) => new Float32Array(p.length));
  const updater = (optimizer.hostUpdater as NonNullable<Optimizer['hostUpdater']>)(variables);
  const rowsOf = (d: tf.Tensor) => d.shape[0] as number;
  const columns = data.map((d) => d.size / rowsOf(d));
  const values = data.map((d) => d.dataSync() as Float32Array);
  const inputIndex = problem.input ?? 0;
  const outDim = nets[0]?.sizes.at(-1) as number;
  let tapes: HostTape[] = [];
  let batch: Float32Array[] = [];
  let out = new Float32Array(0);
  let gradOut = new Float32Array(0);
  let losses: number[] = [];

  const ensureBuffers = (rows: number) => {
    if (tapes[0]?.rows === rows) return;
    tapes = nets.map((n) => hostTape(n, rows));
    batch = columns.map((c) => new Float32Array(rows * c));
    out = new Float32Array(nets.length * rows * outDim);
    gradOut = new Float32Array(out.length);
  };

  return {
    path: 'host',
    step(indices) {
      const rows = indices?.length ?? rowsOf(data[0] as tf.Tensor);
      ensureBuffers(rows);
      columns.forEach((c, k) => {
        const src = values[k] as Float32Array;
        const dst = batch[k] as Float32Array;
        if (indices === undefined) dst.set(src);
        else
          for (let r = 0; r < rows; r++)
            dst.set(src.subarray((indices[r] as number) * c, ((indices[r] as number) + 1) * c), r * c);
      });
      nets.forEach((net, e) => {
        const tape = tapes[e] as HostTape;
        (tape.a[0] as Float32Array).set(batch[inputIndex] as Float32Array);
        out.set(hostForward(net, tape), e * rows * outDim);
      });
      gradOut.fill(0);
      losses.push(problem.loss(out, batch, rows, gradOut));
      let g = 0;
      nets.forEach((net, e) => {
        const tape = tapes[e] as HostTape;
        (tape.da[net.kernels.length] as Float32Array).set(
          gradOut.subarray(e * rows * outDim, (e + 1) * rows * outDim),
        );
        const L = net.kernels.length;
        const gk = Array.from({ length: L }, (_, l) => grads[g + 2 * l] as Float32Array);
        const gb = Array.from({ length: L }, (_, l) => grads[g + 2 * l + 1] as Float32Array);
        hostBackward(net, tape, gk, gb);
        g += 2 * L;
      });
      updater.update(params, grads);
    },
    drain() {
      tf.tidy(() => {
        for (const [i, v] of variables.entries()) v.assign(tf.tensor(params[i] as Float32Array, v.shape));
      });
      updater.sync();
      const numbers = losses;
      losses = [];
      return { tensors: [], numbers };
    },
    dispose() {},
  };
}
