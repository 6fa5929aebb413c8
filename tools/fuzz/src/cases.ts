import type { Target } from './target.js';
import { type Invalid, invalidValues } from './values.js';

/** One invalid call: a target with exactly one argument (or one option) changed. */
export interface Case {
  target: Target;
  /** What was changed, for the report: `options.iterations = NaN`. */
  label: string;
  /** Applies the change to fresh valid arguments. */
  mutate: (args: unknown[]) => unknown[];
}

const NON_FINITE_LABELS = new Set(['NaN tensor', 'Infinity tensor', 'nested NaN array']);

function setAt(args: unknown[], at: number, key: string | undefined, value: unknown): unknown[] {
  const copy = [...args];
  if (key === undefined) copy[at] = value;
  else copy[at] = { ...(copy[at] as object), [key]: value };
  return copy;
}

/** A plausible misspelling of a key: one letter dropped, or the case of a camelCase hump changed. */
function misspellings(key: string): string[] {
  const out = new Set<string>();
  if (key.length > 3) out.add(key.slice(0, -1));
  if (key !== key.toLowerCase()) out.add(key.toLowerCase());
  out.add(`${key}s`);
  return [...out].filter((k) => k !== key);
}

/** Every invalid call of a target, in a fixed order. */
export function casesOf(target: Target): Case[] {
  const cases: Case[] = [];
  for (const param of target.params) {
    const where = param.key === undefined ? `arg ${param.at}` : `options.${param.key}`;
    for (const bad of invalidValues(param.kind)) {
      if (param.nonFinite === 'propagates' && NON_FINITE_LABELS.has(bad.label)) continue;
      if (param.valid?.includes(bad.label)) continue;
      cases.push({
        target,
        label: `${where} = ${bad.label}`,
        mutate: (args) => setAt(args, param.at, param.key, (bad as Invalid).make()),
      });
    }
  }
  for (const { at, keys } of target.options ?? []) {
    for (const bad of invalidValues({ kind: 'options' }))
      cases.push({
        target,
        label: `options = ${bad.label}`,
        mutate: (args) => setAt(args, at, undefined, bad.make()),
      });
    cases.push({ target, label: 'options.bogus = 1', mutate: (args) => setAt(args, at, 'bogus', 1) });
    for (const key of keys) {
      for (const typo of misspellings(key)) {
        if (keys.includes(typo)) continue;
        cases.push({
          target,
          label: `options.${typo} (for ${key})`,
          mutate: (args) => {
            const copy = [...args];
            const o = { ...(copy[at] as Record<string, unknown>) };
            const value = key in o ? o[key] : 1;
            delete o[key];
            o[typo] = value;
            copy[at] = o;
            return copy;
          },
        });
      }
      cases.push({ target, label: `options.${key} = null`, mutate: (args) => setAt(args, at, key, null) });
    }
  }
  return cases;
}
