import type { Chart } from '@polymodal/cli/charts';
import { ValueError } from '@polymodal/tensor';
import type { Setting, SettingValues } from './settings.js';

/** Where a running demo is: its share done, what it does now, and a loss point when it has one. */
export interface DemoProgress {
  /** Share of the whole demo done, in [0, 1]. */
  fraction: number;
  /** What runs now, in words. */
  label: string;
  /** A point of a training curve: `series` names the model. */
  loss?: LossPoint;
}

/** One point of a training curve. */
export interface LossPoint {
  series: string;
  iteration: number;
  loss: number;
}

/** What a demo is given besides its settings. */
export interface DemoContext {
  onProgress: (progress: DemoProgress) => void;
  signal: AbortSignal;
}

/** What a demo shows when it ends. */
export interface DemoResult {
  /** Charts, drawn with the CLI report's specs. */
  charts: Chart[];
  /** Labelled numbers for the page. */
  summary: [label: string, value: string][];
  /** The numbers the page's tests check (JSON). */
  outcome: Record<string, number | number[] | string>;
}

/**
 * Fills in defaults and checks every value against its setting; unknown keys are errors, as
 * everywhere in polymodal.
 */
export function resolveSettings(
  demo: string,
  settings: readonly Setting[],
  values: SettingValues = {},
): SettingValues {
  const known = new Set(settings.map((s) => s.key));
  for (const key of Object.keys(values))
    if (!known.has(key))
      throw new ValueError(`${demo}: unknown setting '${key}'; expected one of ${[...known].join(', ')}.`);
  const out: SettingValues = {};
  for (const s of settings) {
    const v = values[s.key] ?? s.default;
    if ('choices' in s) {
      if (typeof v !== 'string' || !s.choices.some(([c]) => c === v))
        throw new ValueError(
          `${demo}: ${s.label} must be one of ${s.choices.map(([c]) => c).join(', ')}; got ${String(v)}.`,
        );
    } else if (
      typeof v !== 'number' ||
      !Number.isFinite(v) ||
      v < s.min ||
      v > s.max ||
      (s.integer && !Number.isInteger(v))
    ) {
      throw new ValueError(
        `${demo}: ${s.label} must be ${s.integer ? 'an integer' : 'a number'} in [${s.min}, ${s.max}]; got ${String(v)}.`,
      );
    }
    out[s.key] = v;
  }
  return out;
}

/** Reports the progress of one stage of a demo as a share of the whole. */
export function stage(context: DemoContext, from: number, to: number, label: string) {
  return (share: number, loss?: LossPoint) =>
    context.onProgress({
      fraction: from + (to - from) * Math.min(1, Math.max(0, share)),
      label,
      ...(loss ? { loss } : {}),
    });
}

/**
 * A fit's `onProgress`: records each check's loss under `series` in `losses` (the loss chart's
 * data) and reports the fit's share of the stage from `from` to `to`.
 */
export function fitProgress(
  context: DemoContext,
  [from, to]: [number, number],
  label: string,
  series: string,
  losses: LossPoint[],
) {
  const report = stage(context, from, to, label);
  return (p: { iteration: number; iterations: number; loss: number }) => {
    const point = { series, iteration: p.iteration, loss: p.loss };
    losses.push(point);
    report(p.iteration / p.iterations, point);
  };
}

/** A number rounded for the page. */
export const fmt = (v: number, digits = 3): string => (Number.isFinite(v) ? v.toFixed(digits) : String(v));

/** `n` evenly spaced values from `a` to `b`. */
export const linspace = (a: number, b: number, n: number): number[] =>
  Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));

/** Every `step`-th element, so that at most `max` remain (charts stay light). */
export function thin<T>(rows: T[], max: number): T[] {
  const step = Math.max(1, Math.ceil(rows.length / max));
  return rows.filter((_, i) => i % step === 0);
}
