import * as tf from '@tensorflow/tfjs-core';
import { type DenseStack, stackSizes } from '../dense_stack.js';
import {
  type HostMlp,
  type HostTape,
  hostBackward,
  hostForward,
  hostTape,
  hostTapeFloats,
  typescriptDenseKernels,
} from '../host/host_mlp.js';
import type { HostAdamKernels } from '../kernels/adam_kernel.js';
import {
  type DenseKernels,
  denseWasmAvailable,
  mixtureNllScratch,
  type RowWeights,
  WasmDenseKernels,
} from '../kernels/dense_wasm.js';
import { KernelWorker } from '../kernels/kernel_program.js';
import type { HostUpdater, Optimizer } from '../optimizers.js';
import type { HostProblem, KernelLoss } from './host_loss.js';
import { memberGroups } from './host_threads.js';
import { columnWidths } from './kernel_loss.js';
import type { Stepper } from './stepper.js';

/** A dense stack's weights copied to the host. */
function hostNetwork(stack: DenseStack): HostMlp {
  return {
    sizes: stackSizes(stack),
    activation: stack.activation,
    outputActivation: stack.outputActivation,
    kernels: stack.layers.map((l) => (l.kernel.dataSync() as Float32Array).slice()),
    biases: stack.layers.map((l) => (l.bias.dataSync() as Float32Array).slice()),
  };
}

// Float64s a recorded program takes per layer: forward (gemm 13, activation 5) and backward
// (activation 6, gemm 13, column sums 5, transpose 5, gemm 13); per member, the loss (16); per
// parameter array, Adam (15).
const PROGRAM_PER_LAYER = 18 + 42;
const PROGRAM_PER_MEMBER = 16;
const PROGRAM_PER_PARAM = 15;

/** Worker threads running some members' kernel programs on the shared memory. */
interface MemberWorker {
  worker: KernelWorker;
  /** The members this thread owns. */
  members: number[];
  /** Forward and backward passes; with a kernel loss, `forward` holds the whole pass, loss included. */
  forward: number[];
  backward: number[];
  /** This step's Adam calls for the members' parameters (recorded by the updater). */
  adam: number[];
  /** Records into `adam`, with this thread's scratch. */
  adamRecorder: WasmDenseKernels;
}

/**
 * The host stepper, for networks that declare dense stacks (see `choosePath`): reads data and
 * weights once, runs forward, loss, backward and the optimiser's host update on host arrays, and
 * writes the weights back to the variables at each drain. Where the runtime has WebAssembly SIMD
 * the weights, gradients, moments, activations and minibatch live in one wasm memory and the
 * step runs in the SIMD kernels (`kernels/dense_wasm.ts`), the loss too when the problem declares
 * a `kernelLoss`; elsewhere in plain TypeScript loops. With `threads > 1` (see `host_threads.ts`)
 * the memory is shared and worker threads run their members' programs (forward, kernel loss,
 * backward; then Adam) while this thread runs its own members (and a TypeScript loss between the
 * passes when there is no kernel loss).
 */
export function hostStepper(
  problem: HostProblem,
  data: readonly tf.Tensor[],
  variables: tf.Variable[],
  optimizer: Optimizer,
  threads = 1,
  batchRows?: number,
): Stepper {
  const stacks = problem.model.denseStacks?.() ?? [];
  const nets = stacks.map(hostNetwork);
  // Parameters in `variables` order: member by member, kernel then bias per layer.
  const paramsOf = () => nets.flatMap((n) => n.kernels.flatMap((k, l) => [k, n.biases[l] as Float32Array]));
  let params = paramsOf();
  let grads: Float32Array[] = params.map((p) => new Float32Array(p.length));
  let kernels: DenseKernels = typescriptDenseKernels;
  let wasm: WasmDenseKernels | undefined;
  const useWasm = denseWasmAvailable();
  const kernelLoss: KernelLoss | undefined = useWasm ? problem.kernelLoss : undefined;
  let lossSlots: Float64Array<ArrayBufferLike> = new Float64Array(0); // each member's kernel loss
  const hostUpdater = (optimizer.hostUpdater as NonNullable<Optimizer['hostUpdater']>).bind(optimizer);
  let updater: HostUpdater | undefined;
  const rowsOf = (d: tf.Tensor) => d.shape[0] as number;
  // Every minibatch column: data's, then the problem's derived ones (filled before each update).
  const columns = columnWidths(data, problem.derived);
  const values = data.map((d) => d.dataSync() as Float32Array);
  let drawn: Float32Array[] = [];
  let derivedOut: Float32Array[] = [];
  let updates = 0;
  const inputIndex = problem.input ?? 0;
  const outDim = nets[0]?.sizes.at(-1) as number;
  let groups = useWasm ? memberGroups(nets.length, threads) : [nets.map((_, e) => e)];
  let own = groups[0] as number[];
  let workers: MemberWorker[] = [];
  let tapes: HostTape[] = [];
  let batch: Float32Array[] = [];
  let out = new Float32Array(0);
  let gradOut = new Float32Array(0);
  let losses: number[] = [];
  // Each member's gradient arrays, kernel then bias per layer (re-split when grads move to wasm).
  const splitGrads = (e: number) => {
    const first = nets.slice(0, e).reduce((n, net) => n + 2 * net.kernels.length, 0);
    const L = (nets[e] as HostMlp).kernels.length;
    return {
      gk: Array.from({ length: L }, (_, l) => grads[first + 2 * l] as Float32Array),
      gb: Array.from({ length: L }, (_, l) => grads[first + 2 * l + 1] as Float32Array),
    };
  };
  let memberGrads = nets.map((_, e) => splitGrads(e));
  const gradsOf = (e: number) => memberGrads[e] as ReturnType<typeof splitGrads>;

  // Sizes one wasm memory for weights, gradients, Adam's moments, tapes of `rows` rows and the
  // workers' programs, and moves the weights into it (once per fit: minibatches are all full).
  const bindWasm = (rows: number): WasmDenseKernels => {
    const { reserve } = WasmDenseKernels;
    const layers = nets.reduce((n, net) => n + net.kernels.length, 0);
    // An upper bound of a worker's program area (float64s as two floats each).
    const programFloats =
      groups.length > 1
        ? 2 *
          (layers * PROGRAM_PER_LAYER + nets.length * PROGRAM_PER_MEMBER + params.length * PROGRAM_PER_PARAM)
        : 0;
    const floats =
      4 * params.reduce((n, p) => n + reserve(p.length), 0) +
      nets.reduce((n, net) => n + hostTapeFloats(net, rows, reserve), 0) +
      columns.reduce((n, c) => n + reserve(rows * c), 0) +
      reserve(2 * nets.length) +
      (groups.length - 1) * (reserve(8) + reserve(programFloats));
    const scratch = Math.max(
      ...nets.flatMap((n) => n.kernels.map((k) => k.length)),
      kernelLoss?.kind === 'mixture-nll' ? mixtureNllScratch(rows, kernelLoss) : 0,
    );
    let memory: WasmDenseKernels;
    try {
      memory = WasmDenseKernels.create(floats, scratch, groups.length);
    } catch (error) {
      // A shared memory is capped lower than a private one (it reserves its maximum): one thread.
      if (groups.length === 1 || !(error instanceof RangeError)) throw error;
      groups = [nets.map((_, e) => e)];
      own = groups[0] as number[];
      memory = WasmDenseKernels.create(floats, scratch, 1);
    }
    const move = (a: Float32Array) => {
      const view = memory.alloc(a.length);
      view.set(a);
      return view;
    };
    for (const net of nets) {
      net.kernels = net.kernels.map(move);
      net.biases = net.biases.map(move);
    }
    params = paramsOf();
    grads = params.map((p) => memory.alloc(p.length));
    memberGrads = nets.map((_, e) => splitGrads(e));
    kernels = memory;
    return memory;
  };

  // Records each worker's forward and backward programs (pointers are fixed from here on).
  const startWorkers = (memory: WasmDenseKernels) => {
    groups.slice(1).forEach((members, t) => {
      const forward: number[] = [];
      const backward: number[] = [];
      const rows = (tapes[0] as HostTape).rows;
      for (const e of members) {
        const net = nets[e] as HostMlp;
        const tape = tapes[e] as HostTape;
        const recorder = memory.recorder(t + 1, forward);
        hostForward(net, tape, recorder);
        if (kernelLoss !== undefined) memberLoss(e, rows, recorder);
        const { gk, gb } = gradsOf(e);
        hostBackward(
          net,
          tape,
          gk,
          gb,
          kernelLoss === undefined ? memory.recorder(t + 1, backward) : recorder,
        );
      }
      const c = memory.alloc(8);
      const control = new Int32Array(c.buffer, c.byteOffset, 8);
      // One area for the three programs, which run one after another.
      const adamLength =
        members.reduce((n, e) => n + 2 * (nets[e] as HostMlp).kernels.length, 0) * PROGRAM_PER_PARAM;
      const area = memory.alloc(2 * Math.max(forward.length, backward.length, adamLength));
      const programs = new Float64Array(area.buffer, area.byteOffset, area.length / 2);
      const adam: number[] = [];
      workers.push({
        worker: new KernelWorker(memory.module, memory.memory, control, programs),
        members,
        forward,
        backward,
        adam,
        adamRecorder: memory.recorder(t + 1, adam),
      });
    });
  };

  // One member's kernel loss: its outputs' gradient into the tape, its value into lossSlots[e].
  const memberLoss = (e: number, rows: number, k: WasmDenseKernels) => {
    const spec = kernelLoss as KernelLoss;
    const L = (nets[e] as HostMlp).kernels.length;
    const tape = tapes[e] as HostTape;
    const row: RowWeights = {};
    if (spec.weights !== undefined) row.weights = batch[spec.weights] as Float32Array;
    if (spec.counts !== undefined) {
      row.counts = (batch[spec.counts] as Float32Array).subarray(e);
      row.countStride = nets.length;
    }
    const out = tape.a[L] as Float32Array;
    const grad = tape.da[L] as Float32Array;
    const y = batch[spec.target] as Float32Array;
    const slot = lossSlots.subarray(e, e + 1);
    if (spec.kind === 'mixture-nll') k.mixtureNll(spec, rows, out, y, row, grad, slot);
    else k.meanSquaredError(rows, outDim, out, y, row, grad, slot, spec.scale);
  };

  // The updater's Adam calls: this thread's members run now, workers' members are recorded.
  const workerOf = new Map<number, MemberWorker>();
  const adamKernels = (memory: WasmDenseKernels): HostAdamKernels => ({
    alloc: (n) => memory.alloc(n),
    adam(attrs, w, g, m, v) {
      (workerOf.get(w.byteOffset)?.adamRecorder ?? memory).adam(attrs, w, g, m, v);
    },
  });

  // Drops any workers and gives this thread every member (before the first step only).
  const singleThread = () => {
    for (const w of workers) w.worker.terminate();
    workers = [];
    workerOf.clear();
    groups = [nets.map((_, e) => e)];
    own = groups[0] as number[];
  };

  const ensureBuffers = (rows: number) => {
    if (tapes[0]?.rows === rows) return;
    // fit()'s batches all have one size (a short tail is dropped); the wasm memory is sized for it.
    if (tapes.length > 0 && wasm !== undefined)
      throw new Error(`hostStepper: batch rows changed from ${tapes[0]?.rows} to ${rows}.`);
    if (useWasm) wasm = bindWasm(rows);
    const memory = wasm;
    const alloc = memory ? (k: number) => memory.alloc(k) : (k: number) => new Float32Array(k);
    tapes = nets.map((n) => hostTape(n, rows, alloc));
    batch = columns.map((c) => alloc(rows * c));
    drawn = batch.slice(0, data.length);
    derivedOut = batch.slice(data.length);
    if (memory !== undefined) lossSlots = memory.allocFloat64(nets.length);
    if (memory !== undefined && groups.length > 1) {
      try {
        startWorkers(memory);
      } catch {
        singleThread(); // no workers here (a page's CSP, a sandbox): train on this thread
      }
      for (const w of workers)
        for (const e of w.members) {
          const net = nets[e] as HostMlp;
          for (const a of [...net.kernels, ...net.biases]) workerOf.set(a.byteOffset, w);
        }
    }
    updater ??= hostUpdater(variables, memory && (groups.length > 1 ? adamKernels(memory) : memory));
    if (kernelLoss === undefined) {
      // The TypeScript loss reads all members' outputs in one array.
      out = new Float32Array(nets.length * rows * outDim);
      gradOut = new Float32Array(out.length);
    }
  };

  const waitAll = () => {
    for (const w of workers) w.worker.wait();
  };

  return {
    path: 'host',
    get threads() {
      return groups.length;
    },
    step(indices) {
      const rows = indices?.length ?? rowsOf(data[0] as tf.Tensor);
      ensureBuffers(rows);
      values.forEach((src, k) => {
        const c = columns[k] as number;
        const dst = batch[k] as Float32Array;
        if (indices === undefined) dst.set(src);
        else
          for (let r = 0; r < rows; r++)
            dst.set(src.subarray((indices[r] as number) * c, ((indices[r] as number) + 1) * c), r * c);
      });
      problem.derived?.fill(drawn, rows, derivedOut, updates++);
      waitAll(); // the workers' last Adam programs
      for (const tape of tapes) (tape.a[0] as Float32Array).set(batch[inputIndex] as Float32Array);
      if (kernelLoss !== undefined) {
        // One pass per member, loss included, on every thread.
        for (const w of workers) w.worker.run(w.forward);
        for (const e of own) {
          const { gk, gb } = gradsOf(e);
          hostForward(nets[e] as HostMlp, tapes[e] as HostTape, kernels);
          memberLoss(e, rows, wasm as WasmDenseKernels);
          hostBackward(nets[e] as HostMlp, tapes[e] as HostTape, gk, gb, kernels);
        }
        waitAll();
        losses.push(lossSlots.reduce((a, b) => a + b, 0));
      } else {
        for (const w of workers) w.worker.run(w.forward);
        for (const e of own) hostForward(nets[e] as HostMlp, tapes[e] as HostTape, kernels);
        waitAll();
        nets.forEach((net, e) => {
          out.set((tapes[e] as HostTape).a[net.kernels.length] as Float32Array, e * rows * outDim);
        });
        gradOut.fill(0);
        losses.push(problem.loss(out, batch, rows, gradOut));
        nets.forEach((net, e) => {
          ((tapes[e] as HostTape).da[net.kernels.length] as Float32Array).set(
            gradOut.subarray(e * rows * outDim, (e + 1) * rows * outDim),
          );
        });
        for (const w of workers) w.worker.run(w.backward);
        for (const e of own) {
          const { gk, gb } = gradsOf(e);
          hostBackward(nets[e] as HostMlp, tapes[e] as HostTape, gk, gb, kernels);
        }
      }
      waitAll();
      for (const w of workers) w.adam.length = 0;
      (updater as HostUpdater).update(params, grads);
      for (const w of workers) w.worker.run(w.adam);
    },
    drain() {
      waitAll();
      tf.tidy(() => {
        for (const [i, v] of variables.entries())
          v.assign(tf.tensor((params[i] as Float32Array).slice(), v.shape));
      });
      updater?.sync();
      const numbers = losses;
      losses = [];
      return { tensors: [], numbers };
    },
    async ready() {
      // Buffers for fit()'s batch size now, and the workers started before the first step.
      if (batchRows === undefined) return;
      try {
        ensureBuffers(batchRows);
        await Promise.all(workers.map((w) => w.worker.ready));
      } catch (error) {
        // A worker that did not start: train on this thread.
        if (workers.length === 0) throw error;
        singleThread();
      }
    },
    dispose() {
      for (const w of workers) w.worker.dispose();
      workers = [];
    },
  };
}
