import { BACKEND_CHOICES } from './backend.js';
import { UsageError } from './errors.js';

/** Parses a whole number in `[min, max]` for `--name`, or throws a {@link UsageError}. */
export function integerOption(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max)
      throw new UsageError(
        `--${name} must be a whole number ${max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`}, got '${value}'.`,
      );
    return n;
  };
}

/** Parses one of `choices` for `--name`, or throws a {@link UsageError} listing them. */
export function choiceOption<T extends string>(name: string, choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value))
      throw new UsageError(`--${name} must be one of ${choices.join(', ')}; got '${value}'.`);
    return value as T;
  };
}

/** `--backend`: the backends that can run in Node. */
export const backendOption = choiceOption('backend', BACKEND_CHOICES);

/** A comma-separated list of column names (`--x a,b`). */
export function columnsOption(name: string) {
  return (value: string): string[] => {
    const cols = value.split(',').map((c) => c.trim());
    if (cols.some((c) => c === ''))
      throw new UsageError(`--${name} must list column names separated by commas, got '${value}'.`);
    return cols;
  };
}

/** Parses a number strictly inside `(low, high)` for `--name`, or throws a {@link UsageError}. */
export function numberOption(name: string, low: number, high: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= low || n >= high)
      throw new UsageError(`--${name} must be a number strictly between ${low} and ${high}, got '${value}'.`);
    return n;
  };
}
