import {
  assertBoolean,
  assertNumber,
  assertPositiveInteger,
  checkOptions,
  optionKeys,
  ValueError,
} from '@polymodal/tensor';

/**
 * MixFlow's training planner (the reference's `SchedulerUpdateBaseDist`, spec §8.5), on fractions
 * of the iteration budget: a warm-up that trains the velocity only, an alternating phase where
 * every `baseEvery`-th iteration (on the global counter) updates the source instead, and a
 * cooldown that trains the velocity only again.
 */
export interface MixFlowSchedule {
  /** Fraction of the iterations in warm-up. Default 0.1 (the trainer's; the docs say 0.05). */
  warmup?: number;
  /** Fraction of the iterations in cooldown. Default 0.1. */
  cooldown?: number;
  /** In the alternating phase, iterations with `iteration % baseEvery === 0` update the source. Default 10. */
  baseEvery?: number;
  /**
   * Put the encoder (its dropout) in evaluation mode during cooldown. Default true (the trainer's
   * `flag_cooldown_settoeval_HthetaHp`; the docs say false).
   */
  cooldownEval?: boolean;
}

/** What one iteration does. */
export interface MixFlowStep {
  /** The phase the iteration is in. */
  phase: 'warmup' | 'alternating' | 'cooldown';
  /** `'flow'`: the velocity by L_OT; `'base'`: encoder, h_p and h_Θ by L_geo. */
  update: 'flow' | 'base';
  /** Whether the encoder's dropout is active. */
  training: boolean;
}

const KEYS = optionKeys<MixFlowSchedule>()(['warmup', 'cooldown', 'baseEvery', 'cooldownEval']);

/** A schedule with its defaults, validated. @throws ValueError */
export function resolveSchedule(schedule: MixFlowSchedule | undefined): Required<MixFlowSchedule> {
  const s = checkOptions(schedule, KEYS, 'MixFlow schedule');
  const r = {
    warmup: s.warmup ?? 0.1,
    cooldown: s.cooldown ?? 0.1,
    baseEvery: s.baseEvery ?? 10,
    cooldownEval: s.cooldownEval ?? true,
  };
  assertNumber(r.warmup, 'schedule.warmup', { min: 0, max: 1 });
  assertNumber(r.cooldown, 'schedule.cooldown', { min: 0, max: 1 });
  if (r.warmup + r.cooldown > 1)
    throw new ValueError(
      `schedule.warmup + schedule.cooldown is ${r.warmup + r.cooldown}; expected at most 1.`,
    );
  assertPositiveInteger(r.baseEvery, 'schedule.baseEvery');
  assertBoolean(r.cooldownEval, 'schedule.cooldownEval');
  return r;
}

/** The plan of iteration `i` (0-based) of `total`. */
export function planStep(i: number, total: number, s: Required<MixFlowSchedule>): MixFlowStep {
  if (i < Math.round(s.warmup * total)) return { phase: 'warmup', update: 'flow', training: true };
  if (i >= total - Math.round(s.cooldown * total))
    return { phase: 'cooldown', update: 'flow', training: !s.cooldownEval };
  return { phase: 'alternating', update: i % s.baseEvery === 0 ? 'base' : 'flow', training: true };
}
