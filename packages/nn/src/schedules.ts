import {
  assertBoolean,
  assertNumber,
  assertPositiveInteger,
  checkOptions,
  optionKeys,
} from '@polymodal/tensor';

/**
 * A learning-rate schedule: the rate used for the update with 0-based index `step` (the number
 * of updates already applied, optax's `count`).
 */
export type Schedule = (step: number) => number;

/** A constant rate. */
export function constantSchedule(learningRate: number): Schedule {
  assertNumber(learningRate, 'learningRate', { min: 0 });
  return () => learningRate;
}

const EXPONENTIAL_KEYS = optionKeys<WarmupExponentialDecayOptions>()([
  'init',
  'peak',
  'warmupSteps',
  'decayRate',
  'decaySteps',
  'staircase',
  'end',
]);
const COSINE_KEYS = optionKeys<WarmupCosineDecayOptions>()([
  'init',
  'peak',
  'warmupSteps',
  'decaySteps',
  'end',
]);

/** Options of {@link warmupExponentialDecay}. */
export interface WarmupExponentialDecayOptions {
  /** Rate at step 0. Default 0. */
  init?: number;
  /** Rate reached at the end of the warm-up. */
  peak: number;
  /** Length of the linear warm-up. Default 0 (none). */
  warmupSteps?: number;
  /** Multiplier applied every `decaySteps` after the warm-up (e.g. 0.9). */
  decayRate: number;
  /** Steps per decay period (optax's `transition_steps`). */
  decaySteps: number;
  /** Decay in whole periods (×rate at each multiple) rather than smoothly. Default true. */
  staircase?: boolean;
  /** Floor (for rates < 1) on the decayed rate. Default 0. */
  end?: number;
}

/**
 * Linear warm-up from `init` to `peak`, then `peak · decayRate^(k / decaySteps)` with
 * `k = step − warmupSteps` (floored to whole periods when `staircase`), bounded below by `end`:
 * optax's `warmup_exponential_decay_schedule`, the MDN paper's recipe (e.g. 0 → 5e-4 over 2000
 * steps, then ×0.9 every 2000 steps).
 */
export function warmupExponentialDecay(options: WarmupExponentialDecayOptions): Schedule {
  const {
    init = 0,
    peak,
    warmupSteps = 0,
    decayRate,
    decaySteps,
    staircase = true,
    end = 0,
  } = checkOptions(options, EXPONENTIAL_KEYS, 'warmupExponentialDecay');
  assertBoolean(staircase, 'staircase');
  assertNumber(init, 'init', { min: 0 });
  assertNumber(peak, 'peak', { min: 0 });
  assertNumber(warmupSteps, 'warmupSteps', { integer: true, min: 0 });
  assertNumber(decayRate, 'decayRate', { greaterThan: 0 });
  assertPositiveInteger(decaySteps, 'decaySteps');
  assertNumber(end, 'end', { min: 0 });
  return (step) => {
    if (step < warmupSteps) return init + ((peak - init) * step) / warmupSteps;
    const periods = (step - warmupSteps) / decaySteps;
    const rate = peak * decayRate ** (staircase ? Math.floor(periods) : periods);
    return decayRate < 1 ? Math.max(rate, end) : rate;
  };
}

/** Options of {@link warmupCosineDecay}. */
export interface WarmupCosineDecayOptions {
  /** Rate at step 0. Default 0. */
  init?: number;
  /** Rate at the end of the warm-up. */
  peak: number;
  /** Length of the linear warm-up. Default 0. */
  warmupSteps?: number;
  /** Total steps, warm-up included; the rate stays at `end` afterwards. */
  decaySteps: number;
  /** Final rate. Default 0. */
  end?: number;
}

/** Linear warm-up, then a half-cosine from `peak` to `end` (optax's `warmup_cosine_decay_schedule`). */
export function warmupCosineDecay(options: WarmupCosineDecayOptions): Schedule {
  const {
    init = 0,
    peak,
    warmupSteps = 0,
    decaySteps,
    end = 0,
  } = checkOptions(options, COSINE_KEYS, 'warmupCosineDecay');
  assertNumber(init, 'init', { min: 0 });
  assertNumber(peak, 'peak', { min: 0 });
  assertNumber(warmupSteps, 'warmupSteps', { integer: true, min: 0 });
  assertNumber(decaySteps, 'decaySteps', { integer: true, greaterThan: warmupSteps });
  assertNumber(end, 'end', { min: 0 });
  return (step) => {
    if (step < warmupSteps) return init + ((peak - init) * step) / warmupSteps;
    const progress = Math.min(1, (step - warmupSteps) / (decaySteps - warmupSteps));
    return end + (peak - end) * 0.5 * (1 + Math.cos(Math.PI * progress));
  };
}
