import { PolymodalError, SerializationError } from '@polymodal/tensor';

/** One completed round of {@link activeLearning}. */
export interface RoundRecord {
  /** 0-based round. */
  round: number;
  /** Labelled points the round's model was trained on. */
  labelled: number;
  /** Ensemble-mixture test NLL (nats per point) of that model, measured before adding the batch. */
  testNll?: number;
  /** Pool indices selected this round, in selection order. */
  selected: number[];
  /** Seconds spent training. */
  trainSeconds: number;
  /** Seconds spent scoring and selecting. */
  acquisitionSeconds: number;
}

/**
 * Everything {@link activeLearning} has done, as plain JSON: enough to plot learning curves and to
 * resume a run (pass it as `resume`) without querying the oracle again for points it labelled.
 */
export interface ActiveLearningHistory {
  /** Format version (1). */
  version: 1;
  /** The loop's seed: round r derives its training and selection seeds from it. */
  seed: number;
  /** The acquisition's name. */
  acquisition: string;
  /** Rows of the pool (labelled + unlabelled, constant). */
  poolSize: number;
  /** Input width. */
  inputDim: number;
  /** Output width (known once the oracle answered). */
  outputDim: number;
  /** Pool indices of the labelled points, in labelling order (the initial set first). */
  labelled: number[];
  /** Their labels from the oracle, row by row. */
  targets: number[][];
  /** Completed rounds. */
  rounds: RoundRecord[];
  /** A round whose selection was made but whose labels have not all arrived (resume completes it). */
  pending?: RoundRecord;
  /** Test NLL of the final model, trained on every label after the last round. */
  finalNll?: number;
  /** True once every round and the final fit are done. */
  complete: boolean;
}

/**
 * Thrown when the loop fails after it started (an oracle that throws or answers with the wrong
 * shape, a training failure, an abort): `history` holds every completed round and every label
 * received, and `activeLearning({ ...options, resume: error.history })` continues from there.
 * `cause` is the original error (typed: ShapeError, NonFiniteError, ...).
 */
export class ActiveLearningError extends PolymodalError {
  /** `'ActiveLearningError'`. */
  override readonly name = 'ActiveLearningError';
  /** The state to resume from. */
  readonly history: ActiveLearningHistory;

  constructor(message: string, history: ActiveLearningHistory, cause: unknown) {
    super(message, { cause });
    this.history = history;
  }
}

/** A deep copy (the history handed out must not change under the caller). */
export function copyHistory(h: ActiveLearningHistory): ActiveLearningHistory {
  return structuredClone(h);
}

/** Checks a history given as `resume` against the pool. @throws SerializationError */
export function checkHistory(h: unknown, poolSize: number, inputDim: number): ActiveLearningHistory {
  const fail = (what: string): never => {
    throw new SerializationError(`activeLearning: resume is not a valid history: ${what}.`);
  };
  if (typeof h !== 'object' || h === null) return fail('expected an object');
  const r = h as ActiveLearningHistory;
  if (r.version !== 1) fail(`version must be 1, got ${String(r.version)}`);
  if (!Number.isSafeInteger(r.seed)) fail('seed must be an integer');
  if (r.poolSize !== poolSize)
    fail(`it was made for a pool of ${r.poolSize} rows, this pool has ${poolSize}`);
  if (r.inputDim !== inputDim)
    fail(`it was made for inputs of width ${r.inputDim}, the pool has ${inputDim}`);
  if (!Number.isSafeInteger(r.outputDim) || r.outputDim < 0) fail('outputDim must be an integer ≥ 0');
  if (!Array.isArray(r.labelled) || !Array.isArray(r.targets)) fail('labelled and targets must be arrays');
  const seen = new Set<number>();
  for (const i of r.labelled) {
    if (!Number.isSafeInteger(i) || i < 0 || i >= poolSize || seen.has(i))
      fail(`bad or repeated pool index ${i}`);
    seen.add(i);
  }
  for (const row of r.targets)
    if (!Array.isArray(row) || row.length !== r.outputDim || !row.every(Number.isFinite))
      fail(`every target must be ${r.outputDim} finite numbers`);
  if (!Array.isArray(r.rounds) || !r.rounds.every((x, i) => x?.round === i))
    fail('rounds must be numbered 0, 1, ...');
  if (typeof r.complete !== 'boolean') fail('complete must be true or false');
  const owed = r.labelled.length - r.targets.length;
  if (owed < 0) fail('more targets than labelled points');
  if (
    r.pending !== undefined &&
    (r.pending?.round !== r.rounds.length || r.pending.selected?.length !== owed)
  )
    fail('the pending round does not match the labels owed');
  return copyHistory(r);
}
