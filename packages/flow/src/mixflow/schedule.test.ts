import { ValueError } from '@polymodal/tensor';
import { describe, expect, it } from 'vitest';
import { planStep, resolveSchedule } from './schedule.js';

describe('MixFlow schedule', () => {
  it("follows the reference trainer's phases: 10 % warm-up, 1-in-10 source steps, 10 % cooldown in eval", () => {
    const s = resolveSchedule(undefined);
    const plans = Array.from({ length: 1000 }, (_, i) => planStep(i, 1000, s));
    expect(plans.slice(0, 100).every((p) => p.phase === 'warmup' && p.update === 'flow' && p.training)).toBe(
      true,
    );
    expect(plans.slice(900).every((p) => p.phase === 'cooldown' && p.update === 'flow' && !p.training)).toBe(
      true,
    );
    const base = plans.flatMap((p, i) => (p.update === 'base' ? [i] : []));
    expect(base).toEqual(Array.from({ length: 80 }, (_, k) => 100 + 10 * k));
    expect(plans.slice(100, 900).every((p) => p.phase === 'alternating' && p.training)).toBe(true);
  });

  it('takes the docs variant and rejects impossible plans', () => {
    const docs = resolveSchedule({ warmup: 0.05, cooldownEval: false });
    expect(planStep(50, 1000, docs)).toEqual({ phase: 'alternating', update: 'base', training: true });
    expect(planStep(999, 1000, docs).training).toBe(true);
    expect(() => resolveSchedule({ warmup: 0.6, cooldown: 0.5 })).toThrow(ValueError);
    expect(() => resolveSchedule({ baseEvery: 0 })).toThrow(ValueError);
    expect(() => resolveSchedule({ warmUp: 0.1 } as never)).toThrow("did you mean 'warmup'");
  });
});
