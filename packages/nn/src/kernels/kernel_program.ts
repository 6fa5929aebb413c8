import type { DenseExports } from './dense_wasm.js';

// Kernel programs: a recorded sequence of calls into the WebAssembly kernels (opcode, then the
// call's arguments, as float64), replayed by a worker thread on a shared memory. fit()'s host
// path records each member's forward and backward pass once, since pointers and sizes do not
// change between steps; only the optimiser's step is recorded anew each step.

/** The kernels a program can call, in opcode order, with their argument counts. */
export const KERNEL_OPS = [
  ['gemm', 12],
  ['transpose', 4],
  ['columnSums', 4],
  ['activationForward', 4],
  ['activationBackward', 5],
  ['adamUpdate', 14],
  ['mixtureNll', 15],
  ['meanSquaredError', 10],
] as const satisfies readonly (readonly [keyof DenseExports, number])[];

/** Exports-shaped functions that append each call to `program` instead of running it. */
export function recordingCalls(program: number[]): DenseExports {
  const calls: Partial<Record<keyof DenseExports, (...args: number[]) => void>> = {};
  KERNEL_OPS.forEach(([name, arity], op) => {
    calls[name] = (...args: number[]) => {
      if (args.length !== arity) throw new Error(`kernel program: ${name} takes ${arity} arguments.`);
      program.push(op, ...args);
    };
  });
  return calls as unknown as DenseExports;
}

/** The int32 slots of a worker's control block (the sequence number STOP ends the worker). */
const CONTROL = { SEQ: 0, START: 1, LENGTH: 2, DONE: 3, ERROR: 4, READY: 5, STOP: -1 } as const;
const { SEQ, START, LENGTH, DONE, ERROR, READY, STOP } = CONTROL;

/**
 * Polls of the shared flag before a thread sleeps on it (about 50 µs): waking a sleeping thread
 * costs 30–60 µs per hand-off (measured: a round trip of two sleeps, 60 µs), which is a quarter of
 * a small ensemble's step, while the other side usually answers within microseconds.
 */
const SPIN_ITERATIONS = 20_000;

/**
 * The worker's whole source, a plain script (no imports, so it runs as Node's `eval` worker and
 * from a Blob URL in browsers). It instantiates the shared module over the shared memory, then
 * loops: wait for a new sequence number in `control[SEQ]`, run the program at
 * `[control[START], control[START] + control[LENGTH])` (float64 offsets), publish the sequence
 * number in `control[DONE]` (or an error code in `control[ERROR]`) and notify.
 */
export const KERNEL_WORKER_SOURCE = `
const OPS = ${JSON.stringify(KERNEL_OPS)};
const { SEQ, START, LENGTH, DONE, ERROR, READY, STOP } = ${JSON.stringify(CONTROL)};
const SPIN = ${SPIN_ITERATIONS};
function serve(data, post) {
  const { module, memory, controlOffset } = data;
  const ex = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('abort'); } } }).exports;
  const fns = OPS.map(([name]) => ex[name]);
  const control = new Int32Array(memory.buffer, controlOffset, 8);
  const f64 = new Float64Array(memory.buffer);
  const args = [];
  let seen = 0;
  Atomics.store(control, READY, 1);
  Atomics.notify(control, READY);
  post('ready');
  for (;;) {
    // Spin briefly before sleeping: the next program usually follows within microseconds. A wait
    // can return with the sequence number unchanged (measured under load: the program that had
    // just run ran again while the next one was being written), so loop until it changes.
    let next = Atomics.load(control, SEQ);
    for (let i = 0; i < SPIN && next === seen; i++) next = Atomics.load(control, SEQ);
    while (next === seen) {
      Atomics.wait(control, SEQ, seen);
      next = Atomics.load(control, SEQ);
    }
    seen = next;
    if (seen === STOP) return;
    try {
      const end = control[START] + control[LENGTH];
      for (let i = control[START]; i < end; ) {
        const op = f64[i++];
        const arity = OPS[op][1];
        args.length = arity;
        for (let k = 0; k < arity; k++) args[k] = f64[i++];
        fns[op].apply(null, args);
      }
    } catch (error) {
      Atomics.store(control, ERROR, 1);
    }
    Atomics.store(control, DONE, seen);
    Atomics.notify(control, DONE);
  }
}
if (typeof require === 'function') {
  const { parentPort } = require('node:worker_threads');
  parentPort.once('message', (data) => { serve(data, (m) => parentPort.postMessage(m)); parentPort.close(); });
} else {
  self.onmessage = (event) => { self.onmessage = null; serve(event.data, (m) => self.postMessage(m)); self.close(); };
}
`;

/**
 * How long the first hand-off waits for a new worker to start (compile nothing, instantiate the
 * module): a worker that cannot start (a blocked Blob URL, a missing Worker) fails the fit here
 * instead of hanging it.
 */
const START_TIMEOUT_MS = 30_000;
const notStarted = `KernelWorker: the worker thread did not start within ${START_TIMEOUT_MS / 1000} s.`;

/** The parts of Node's and the browser's Worker this file uses. */
interface WorkerLike {
  postMessage(message: unknown): void;
  terminate(): unknown;
  /** Node. */
  unref?(): void;
  once?(event: string, listener: (value: unknown) => void): void;
  /** Browsers. */
  addEventListener?(event: string, listener: (event: unknown) => void, options?: { once: boolean }): void;
}

type WorkerConstructor = new (source: string, options?: { eval: boolean }) => WorkerLike;

/** Node's `worker_threads` Worker, or the browser's over a Blob URL; undefined without either. */
function workerFactory(): ((source: string) => WorkerLike) | undefined {
  const g = globalThis as {
    process?: { getBuiltinModule?: (id: string) => { Worker?: WorkerConstructor } | undefined };
    Worker?: new (url: string) => WorkerLike;
    Blob?: typeof Blob;
    URL?: typeof URL;
  };
  const NodeWorker = g.process?.getBuiltinModule?.('node:worker_threads')?.Worker;
  if (NodeWorker !== undefined) return (source) => new NodeWorker(source, { eval: true });
  const BrowserWorker = g.Worker;
  if (BrowserWorker !== undefined && g.Blob !== undefined && g.URL !== undefined) {
    const { Blob: B, URL: U } = g;
    return (source) => {
      const url = U.createObjectURL(new B([source], { type: 'text/javascript' }));
      const worker = new BrowserWorker(url);
      U.revokeObjectURL(url);
      return worker;
    };
  }
  return undefined;
}

/** Whether this runtime can start kernel worker threads at all. */
export function kernelWorkersAvailable(): boolean {
  return workerFactory() !== undefined;
}

/**
 * A worker thread that replays kernel programs on a shared memory. `run` hands it a program and
 * returns at once; `wait` blocks until the last one has finished (Atomics.wait where the thread
 * may block, a spin on the browser's main thread, where it may not).
 */
export class KernelWorker {
  private readonly worker: WorkerLike;
  private readonly control: Int32Array;
  private seq = 0;
  private pending = false;
  private started = false;

  /**
   * Resolves once the worker has instantiated the module. Await it before the first
   * {@link run} where the thread must not block: a browser starts a worker only after its
   * creator yields to the event loop. Rejects if the worker fails to start.
   */
  readonly ready: Promise<void>;

  /**
   * @param control 8 int32s of the shared memory for signalling (16-byte aligned, zeroed).
   * @param programs float64s of the shared memory the programs are copied into.
   */
  constructor(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    control: Int32Array,
    private readonly programs: Float64Array,
  ) {
    const start = workerFactory();
    if (start === undefined) throw new Error('KernelWorker: no worker threads in this runtime.');
    this.control = control;
    const worker = start(KERNEL_WORKER_SOURCE);
    this.worker = worker;
    worker.unref?.(); // an idle kernel worker never keeps Node alive
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(notStarted)), START_TIMEOUT_MS);
      const done = (ok: boolean, error?: unknown) => {
        clearTimeout(timer);
        if (ok) {
          this.started = true;
          resolve();
        } else reject(new Error(`KernelWorker: the worker thread failed to start (${String(error)}).`));
      };
      if (worker.once !== undefined) {
        worker.once('message', () => done(true));
        worker.once('error', (e) => done(false, e));
      } else {
        worker.addEventListener?.('message', () => done(true), { once: true });
        worker.addEventListener?.('error', (e) => done(false, (e as { message?: string }).message), {
          once: true,
        });
      }
    });
    this.ready.catch(() => {}); // observed by awaitStart or the caller; never unhandled
    this.worker.postMessage({ module, memory, controlOffset: control.byteOffset });
  }

  /** Starts `program` (copied into the shared program area) after the previous one finished. */
  run(program: readonly number[]): void {
    this.wait();
    if (!this.started) this.awaitStart();
    if (program.length > this.programs.length) throw new RangeError('KernelWorker: program too long.');
    this.programs.set(program);
    this.control[START] = this.programs.byteOffset / 8;
    this.control[LENGTH] = program.length;
    this.seq += 1;
    this.pending = true;
    Atomics.store(this.control, SEQ, this.seq);
    Atomics.notify(this.control, SEQ);
  }

  /** Blocks until the worker has instantiated the module; throws after START_TIMEOUT_MS. */
  private awaitStart(): void {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Atomics.load(this.control, READY) !== 1) {
      if (Date.now() > deadline) {
        this.worker.terminate();
        throw new Error(notStarted);
      }
      try {
        Atomics.wait(this.control, READY, 0, 100);
      } catch {
        // The browser's main thread may not block: spin.
      }
    }
    this.started = true;
  }

  /** Blocks until the running program, if any, has finished; throws if it failed. */
  wait(): void {
    if (!this.pending) return;
    this.pending = false;
    const { control, seq } = this;
    for (let i = 0; i < SPIN_ITERATIONS && Atomics.load(control, DONE) !== seq; i++);
    while (Atomics.load(control, DONE) !== seq) {
      try {
        Atomics.wait(control, DONE, Atomics.load(control, DONE), 1000);
      } catch {
        // The browser's main thread may not block: spin (the wait is one kernel program).
      }
    }
    if (Atomics.load(control, ERROR) !== 0) throw new Error('KernelWorker: a kernel program failed.');
  }

  /** Stops the thread at once (it must not be running a program that anything waits for). */
  terminate(): void {
    this.worker.terminate();
  }

  /** Stops the thread (after the running program). */
  dispose(): void {
    try {
      this.wait();
    } finally {
      Atomics.store(this.control, SEQ, STOP);
      Atomics.notify(this.control, SEQ);
      this.worker.terminate();
    }
  }
}
