import { ValueError } from './errors.js';

// Options objects at the public boundary. `undefined` means "every default"; anything else must be
// a plain object whose keys are all known and whose values are not null. A misspelt key is the
// commonest silent bug of an options API (`fit({ iteration: 3 })` training the default budget), so
// the error names the closest valid key.

/**
 * The option keys of `T`, checked at compile time to be complete:
 * `optionKeys<FitOptions>()(['loss', 'variables', ...])` fails to type-check when a key of
 * `FitOptions` is missing from the list, so the runtime check cannot drift from the type.
 */
export function optionKeys<T extends object>() {
  return <const K extends readonly (keyof T & string)[]>(
    keys: K &
      ([Exclude<keyof T, K[number]>] extends [never] ? unknown : { missing: Exclude<keyof T, K[number]> }),
  ): K => keys;
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] as number;
}

/** The allowed key closest to `key` (case-insensitive edit distance), if it is close enough. */
export function closestKey(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of allowed) {
    const d = distance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/** A short, never-throwing description of any value (BigInt, symbols and cycles included). */
export function describeValue(value: unknown): string {
  try {
    if (typeof value === 'string') return JSON.stringify(value);
    if (typeof value === 'bigint') return `${value}n`;
    if (typeof value === 'function') return 'a function';
    if (Array.isArray(value)) return `an array of ${value.length}`;
    if (value !== null && typeof value === 'object')
      return `an object (${value.constructor?.name ?? 'Object'})`;
    return String(value);
  } catch {
    return 'an unprintable value';
  }
}

/**
 * Checks an options object: `undefined` gives `{}`; otherwise a plain object (not an array, not
 * null, not a tensor or class instance) whose keys are all in `allowed` and whose values are not
 * `null` (omit a key to use its default).
 *
 * @param where names the function in messages (`'fit'`, `'MixtureDensityNetwork.sample'`).
 * @throws ValueError naming the bad key and the closest valid one.
 */
export function checkOptions<T extends object>(
  options: T | undefined,
  allowed: readonly string[],
  where: string,
): T {
  if (options === undefined) return {} as T;
  const proto = options === null || typeof options !== 'object' ? undefined : Object.getPrototypeOf(options);
  if (proto === undefined || Array.isArray(options) || (proto !== Object.prototype && proto !== null)) {
    throw new ValueError(`${where}: options must be a plain object, got ${describeValue(options)}.`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      const near = closestKey(key, allowed);
      throw new ValueError(
        `${where}: unknown option '${key}'${near !== undefined ? ` (did you mean '${near}'?)` : ''}. ` +
          `Valid options: ${allowed.join(', ')}.`,
      );
    }
    if ((options as Record<string, unknown>)[key] === null)
      throw new ValueError(`${where}: option '${key}' is null; omit it to use the default.`);
  }
  return options;
}

/** Asserts a seed: a safe integer. @throws ValueError */
export function assertSeed(seed: unknown, name = 'seed'): asserts seed is number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed))
    throw new ValueError(`${name} must be an integer, got ${describeValue(seed)}.`);
}

/** Asserts a boolean (no truthy coercion). @throws ValueError */
export function assertBoolean(value: unknown, name: string): asserts value is boolean {
  if (typeof value !== 'boolean')
    throw new ValueError(`${name} must be true or false, got ${describeValue(value)}.`);
}
