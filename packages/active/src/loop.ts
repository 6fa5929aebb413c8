import {
  assertNumber,
  assertPositiveInteger,
  assertSeed,
  checkOptions,
  optionKeys,
  PolymodalError,
  Rng,
  ShapeError,
  type TensorInput,
  toFiniteRowsAsync,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { type Acquisition, type AcquisitionName, acquisitionByName } from './acquisition.js';
import type { EnsembleModel } from './ensemble_model.js';
import {
  ActiveLearningError,
  type ActiveLearningHistory,
  checkHistory,
  copyHistory,
  type RoundRecord,
} from './history.js';
import { mdnEnsembleTrainer, type TrainFunction } from './mdn_trainer.js';

/**
 * Labels inputs: given pool rows `[b, inputDim]` (and their pool indices), returns their targets
 * `[b, outputDim]`. A function, so a simulator, a lab or a lookup table can answer. `x` is freed
 * after the call; a returned tensor is read and then disposed by the loop.
 */
export type Oracle = (x: tf.Tensor2D, indices: readonly number[]) => TensorInput | Promise<TensorInput>;

/** Held-out data for the learning curve. */
export interface TestData {
  /** Inputs `[M, inputDim]`. */
  x: TensorInput;
  /** Targets `[M, outputDim]`. */
  y: TensorInput;
}

/** Options of {@link activeLearning}. */
export interface ActiveLearningOptions {
  /** Candidate inputs `[N, inputDim]` (labelled and unlabelled together; constant). */
  pool: TensorInput;
  /** Labels inputs (see {@link Oracle}). */
  oracle: Oracle;
  /** Initial labelled set: a count of random pool rows, or pool indices. */
  initial: number | readonly number[];
  /** Acquisition rounds R. */
  rounds: number;
  /** Points labelled per round. */
  batchSize: number;
  /** Trains a model from scratch each round. Default {@link mdnEnsembleTrainer}`()`. */
  train?: TrainFunction;
  /** The acquisition, by reference name or as an object. Default `'mi-lb'`. */
  acquisition?: AcquisitionName | Acquisition;
  /** Held-out data: its ensemble-mixture NLL is recorded every round. Default none. */
  test?: TestData;
  /** Seed of everything random (initial set, training, selection). Default a random one (recorded). */
  seed?: number;
  /** Pool rows per MI-LB pass. Default 256 (the reference's). */
  chunk?: number;
  /** Train a final model on every label after the last round and record its NLL. Default true. */
  finalFit?: boolean;
  /** Called after each round with a copy of the history so far (save it to resume after a crash). */
  onRound?: (record: RoundRecord, history: ActiveLearningHistory) => void | Promise<void>;
  /** Aborts between (and inside) rounds; the error carries the history. */
  signal?: AbortSignal;
  /**
   * A history to continue (from `onRound` or an {@link ActiveLearningError}); `initial` is then
   * ignored, and the acquisition and seed must be the run's.
   */
  resume?: ActiveLearningHistory;
}

/** What {@link activeLearning} returns. */
export interface ActiveLearningResult {
  /** The complete history (JSON). */
  history: ActiveLearningHistory;
  /** The final model trained on every label (with `finalFit`; else the last round's). Caller disposes. */
  model: EnsembleModel;
}

const KEYS = optionKeys<ActiveLearningOptions>()([
  'pool',
  'oracle',
  'initial',
  'rounds',
  'batchSize',
  'train',
  'acquisition',
  'test',
  'seed',
  'chunk',
  'finalFit',
  'onRound',
  'signal',
  'resume',
]);

/** Ensemble-mixture NLL in nats per point, `mean(−log (1/E) Σ_z p_z(y | x))`. */
async function ensembleNll(model: EnsembleModel, x: tf.Tensor2D, y: tf.Tensor2D): Promise<number> {
  const block = 4096;
  let total = 0;
  for (let start = 0; start < x.shape[0]; start += block) {
    const size = Math.min(block, x.shape[0] - start);
    const s = tf.tidy(() => tf.sum(model.logProb(tf.slice(x, start, size), tf.slice(y, start, size))));
    total -= (await s.data())[0] as number;
    s.dispose();
  }
  return total / x.shape[0];
}

/** Asks the oracle for the rows `indices` and checks its answer: `[b, outputDim]`, finite. */
async function query(
  oracle: Oracle,
  pool: tf.Tensor2D,
  indices: readonly number[],
  outputDim: number | undefined,
): Promise<number[][]> {
  const x = tf.tidy(() => tf.gather(pool, tf.tensor1d(indices as number[], 'int32'))) as tf.Tensor2D;
  let answer: TensorInput;
  try {
    answer = await oracle(x, indices);
  } finally {
    x.dispose();
  }
  const y = await (async () => {
    try {
      return await toFiniteRowsAsync(
        answer,
        'oracle answer',
        outputDim ?? rowWidth(answer, 'The oracle answer'),
      );
    } catch (error) {
      if (error instanceof PolymodalError) {
        error.message = `The oracle's answer for ${indices.length} inputs is unusable: ${error.message}`;
      }
      throw error;
    } finally {
      // The loop owns what the oracle returns.
      if (answer instanceof tf.Tensor) answer.dispose();
    }
  })();
  try {
    if (y.shape[0] !== indices.length)
      throw new ShapeError(`The oracle answered ${y.shape[0]} rows for ${indices.length} inputs.`);
    return (await y.array()) as number[][];
  } finally {
    y.dispose();
  }
}

/** The width of rows `[N, width]` (width ≥ 1) given as a tensor or nested arrays. @throws ShapeError */
function rowWidth(value: TensorInput, what: string): number {
  const width =
    value instanceof tf.Tensor
      ? value.rank === 2
        ? value.shape[1]
        : undefined
      : Array.isArray(value) && Array.isArray(value[0])
        ? value[0].length
        : undefined;
  if (width === undefined || width < 1)
    throw new ShapeError(`${what} must be rows [N, width] with width ≥ 1.`);
  return width;
}

/**
 * Pool-based active learning with an MDN ensemble (arXiv 2605.14917 §6, JaxMix-AL `loop.py`):
 *
 * ```
 * label the initial set
 * for round r < R: train from scratch on the labelled set; record its test NLL;
 *                  score the unlabelled pool in chunks and select batchSize points; label them
 * train once more on every label and record the final NLL
 * ```
 *
 * Each round's model is trained by `train` (default the reference recipe, {@link mdnEnsembleTrainer}),
 * with a seed derived from `seed` and the round, so a run is reproducible and resumable. The
 * history is plain JSON (see {@link ActiveLearningHistory}); after any failure once the loop has
 * started, an {@link ActiveLearningError} carries it, and `resume` continues without asking the
 * oracle again.
 *
 * @example
 * ```ts
 * const bench = multimodalConditional();
 * const pool = bench.sampleInputs(5000, 0);
 * const { history, model } = await activeLearning({
 *   pool, oracle: (x) => bench.sampleTargets(x, 1), initial: 100, rounds: 5, batchSize: 50,
 *   acquisition: 'mi-lb', seed: 0, onRound: (r) => console.log(r.round, r.testNll),
 * });
 * ```
 * @throws ValueError / ShapeError / NonFiniteError on bad options before anything runs;
 *   {@link ActiveLearningError} (with the history) on a failure after that.
 */
export async function activeLearning(options: ActiveLearningOptions): Promise<ActiveLearningResult> {
  const o = checkOptions(options, KEYS, 'activeLearning');
  if (typeof o.oracle !== 'function') throw new ValueError('activeLearning: oracle must be a function.');
  assertNumber(o.rounds, 'activeLearning: rounds', { integer: true, min: 0, max: 1e6 });
  assertPositiveInteger(o.batchSize, 'activeLearning: batchSize');
  const chunk = o.chunk ?? 256;
  assertPositiveInteger(chunk, 'activeLearning: chunk', 1 << 24);
  const finalFit = o.finalFit ?? true;
  if (typeof finalFit !== 'boolean') throw new ValueError('activeLearning: finalFit must be true or false.');
  if (o.onRound !== undefined && typeof o.onRound !== 'function')
    throw new ValueError('activeLearning: onRound must be a function.');
  if (o.train !== undefined && typeof o.train !== 'function')
    throw new ValueError('activeLearning: train must be a function.');
  const acquisition =
    typeof o.acquisition === 'object' && o.acquisition !== null
      ? o.acquisition
      : acquisitionByName((o.acquisition ?? 'mi-lb') as AcquisitionName);
  if (typeof acquisition.select !== 'function')
    throw new ValueError('activeLearning: acquisition.select must be a function.');
  const train = o.train ?? mdnEnsembleTrainer();

  const pool = await toFiniteRowsAsync(
    o.pool,
    'activeLearning: pool',
    rowWidth(o.pool, 'activeLearning: pool'),
  );
  const owned: tf.Tensor[] = [pool];
  try {
    const [N, inputDim] = pool.shape;
    let history: ActiveLearningHistory;
    if (o.resume !== undefined) {
      history = checkHistory(o.resume, N, inputDim);
      if (o.seed !== undefined && o.seed !== history.seed)
        throw new ValueError(
          `activeLearning: seed ${o.seed} differs from the resumed run's ${history.seed}.`,
        );
      if (history.complete) throw new ValueError('activeLearning: the resumed run is already complete.');
      if (history.acquisition !== acquisition.name)
        throw new ValueError(
          `activeLearning: the resumed run used acquisition '${history.acquisition}', not '${acquisition.name}'.`,
        );
    } else {
      const seed = o.seed ?? Rng.randomSeed();
      assertSeed(seed, 'activeLearning: seed');
      const initial = initialIndices(o.initial, N, seed);
      history = {
        version: 1,
        seed,
        acquisition: acquisition.name,
        poolSize: N,
        inputDim,
        outputDim: 0,
        labelled: initial,
        targets: [],
        rounds: [],
        complete: false,
      };
    }
    const remaining = Math.max(0, o.rounds - history.rounds.length - (history.pending ? 1 : 0));
    if (history.labelled.length + o.batchSize * remaining > N)
      throw new ValueError(
        `activeLearning: ${history.labelled.length} labelled + ${remaining} rounds × ${o.batchSize} exceeds the pool of ${N}; batchSize × rounds must fit in the pool.`,
      );
    const test = o.test ? await toTest(o.test, inputDim) : undefined;
    if (test) owned.push(test.x, test.y);
    const rng = new Rng(history.seed);
    const fail = (error: unknown): never => {
      if (error instanceof ActiveLearningError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new ActiveLearningError(
        `activeLearning stopped after ${history.rounds.length} of ${o.rounds} rounds: ${message}`,
        copyHistory(history),
        error,
      );
    };
    const checkAbort = () => {
      if (o.signal?.aborted) throw new ValueError('activeLearning was aborted.');
    };

    const labelledData = () =>
      tf.tidy(() => ({
        x: tf.gather(pool, tf.tensor1d(history.labelled, 'int32')) as tf.Tensor2D,
        y: tf.tensor2d(history.targets, [history.targets.length, history.outputDim]),
      }));
    const fitRound = async (round: number) => {
      const data = labelledData();
      try {
        const started = performance.now();
        const model = await train({
          x: data.x,
          y: data.y,
          round,
          seed: rng.fold(round).fold('train').seed(),
          ...(o.signal ? { signal: o.signal } : {}),
        });
        return { model, data, seconds: (performance.now() - started) / 1000 };
      } catch (error) {
        tf.dispose([data.x, data.y]);
        throw error;
      }
    };

    let last: EnsembleModel | undefined;
    try {
      // Labels still owed: the initial set (a fresh run) or a round interrupted while querying.
      if (history.targets.length < history.labelled.length) {
        const missing = history.labelled.slice(history.targets.length);
        const answer = await query(o.oracle, pool, missing, history.outputDim || undefined);
        history.outputDim = (answer[0] as number[]).length;
        history.targets.push(...answer);
      }
      if (history.pending !== undefined) {
        history.rounds.push(history.pending);
        delete history.pending;
      }
      if (test && test.y.shape[1] !== history.outputDim)
        throw new ShapeError(
          `test.y has ${test.y.shape[1]} columns but the oracle answers ${history.outputDim}.`,
        );
      for (let round = history.rounds.length; round < o.rounds; round++) {
        checkAbort();
        const { model, data, seconds } = await fitRound(round);
        last?.dispose();
        last = model;
        try {
          const testNll = test ? await ensembleNll(model, test.x, test.y) : undefined;
          checkAbort();
          const started = performance.now();
          const taken = new Set(history.labelled);
          const open = Int32Array.from({ length: N }, (_, i) => i).filter((i) => !taken.has(i));
          const candidates = tf.tidy(() => tf.gather(pool, tf.tensor1d(open, 'int32'))) as tf.Tensor2D;
          let local: number[];
          try {
            local = await acquisition.select({
              model,
              pool: candidates,
              labelled: data.x,
              batchSize: o.batchSize,
              seed: rng.fold(round).fold('select').seed(),
              chunk,
            });
          } finally {
            candidates.dispose();
          }
          checkSelection(local, o.batchSize, open.length, acquisition.name);
          const selected = local.map((i) => open[i] as number);
          const acquisitionSeconds = (performance.now() - started) / 1000;
          const record: RoundRecord = {
            round,
            labelled: data.x.shape[0],
            ...(testNll !== undefined ? { testNll } : {}),
            selected,
            trainSeconds: seconds,
            acquisitionSeconds,
          };
          // The selection is recorded before the oracle is asked: if it fails, resume asks it
          // for exactly these points and completes this round, rather than selecting again.
          history.labelled.push(...selected);
          history.pending = record;
          const answer = await query(o.oracle, pool, selected, history.outputDim);
          history.targets.push(...answer);
          history.rounds.push(record);
          delete history.pending;
          await o.onRound?.(structuredClone(record), copyHistory(history));
        } finally {
          tf.dispose([data.x, data.y]);
        }
      }
      if (finalFit || last === undefined) {
        checkAbort();
        const { model, data } = await fitRound(o.rounds);
        tf.dispose([data.x, data.y]);
        last?.dispose();
        last = model;
        if (test) history.finalNll = await ensembleNll(model, test.x, test.y);
      }
      history.complete = true;
      const result = { history: copyHistory(history), model: last };
      last = undefined;
      return result;
    } catch (error) {
      last?.dispose();
      return fail(error);
    }
  } finally {
    tf.dispose(owned);
  }
}

/** The initial labelled pool indices. @throws ValueError */
function initialIndices(initial: number | readonly number[], N: number, seed: number): number[] {
  if (typeof initial === 'number') {
    assertNumber(initial, 'activeLearning: initial', { integer: true, min: 1, max: N });
    return Array.from(new Rng(seed).fold('initial').permutation(N).subarray(0, initial));
  }
  if (!Array.isArray(initial) || initial.length === 0)
    throw new ValueError('activeLearning: initial must be a count ≥ 1 or a non-empty array of pool indices.');
  const seen = new Set<number>();
  for (const i of initial) {
    if (!Number.isSafeInteger(i) || i < 0 || i >= N)
      throw new ValueError(`activeLearning: initial index ${String(i)} is not a row of the pool of ${N}.`);
    if (seen.has(i)) throw new ValueError(`activeLearning: initial index ${i} is repeated.`);
    seen.add(i);
  }
  return [...initial];
}

/** Test data as tensors. */
async function toTest(test: TestData, inputDim: number): Promise<{ x: tf.Tensor2D; y: tf.Tensor2D }> {
  const t = checkOptions(test, ['x', 'y'], 'activeLearning: test');
  const x = await toFiniteRowsAsync(t.x, 'activeLearning: test.x', inputDim);
  try {
    const y = await toFiniteRowsAsync(t.y, 'activeLearning: test.y', rowWidth(t.y, 'activeLearning: test.y'));
    if (y.shape[0] !== x.shape[0]) {
      y.dispose();
      throw new ShapeError(`activeLearning: test.x has ${x.shape[0]} rows but test.y has ${y.shape[0]}.`);
    }
    return { x, y };
  } catch (error) {
    x.dispose();
    throw error;
  }
}

/** Checks an acquisition's answer: `batchSize` distinct integers in [0, candidates). @throws ValueError */
function checkSelection(
  local: unknown,
  batchSize: number,
  candidates: number,
  name: string,
): asserts local is number[] {
  if (!Array.isArray(local) || local.length !== batchSize)
    throw new ValueError(
      `Acquisition '${name}' returned ${Array.isArray(local) ? local.length : 'no'} indices; expected ${batchSize}.`,
    );
  const seen = new Set<number>();
  for (const i of local) {
    if (!Number.isSafeInteger(i) || i < 0 || i >= candidates || seen.has(i))
      throw new ValueError(`Acquisition '${name}' returned a bad or repeated index ${String(i)}.`);
    seen.add(i);
  }
}
