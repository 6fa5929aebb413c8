import type { Kind } from './values.js';

/** A call made ready: valid arguments, how to call with (possibly mutated) ones, and cleanup. */
export interface Prepared {
  args: unknown[];
  call: (args: unknown[]) => unknown;
  dispose?: () => void;
}

/** One parameter of an entry point: argument `at`, or key `key` of the options object there. */
export interface Param {
  at: number;
  key?: string;
  kind: Kind;
  /**
   * `'propagates'` where the function documents NaN in → NaN out (distribution queries): then
   * non-finite tensors are not invalid input for it and are not generated.
   */
  nonFinite?: 'propagates';
  /** Labels of generated values that are valid for this parameter after all (`'Infinity tensor'`). */
  valid?: string[];
}

/** A public entry point under test. */
export interface Target {
  /** `'MixtureDensityNetwork.fit'`. */
  name: string;
  /** Builds valid arguments; called afresh for every case. */
  prepare: () => Prepared | Promise<Prepared>;
  /** The parameters whose invalid values are generated. */
  params: Param[];
  /** Options objects: argument index and their valid keys (unknown and misspelt keys are generated). */
  options?: { at: number; keys: readonly string[] }[];
}

/** Shorthand for a parameter. */
export const p = (
  at: number,
  kind: Kind,
  key?: string,
  nonFinite?: 'propagates',
  valid?: string[],
): Param => ({
  at,
  kind,
  ...(key !== undefined ? { key } : {}),
  ...(nonFinite !== undefined ? { nonFinite } : {}),
  ...(valid !== undefined ? { valid } : {}),
});

/**
 * A method of an instance made afresh for every case by `make` (a distribution, a fitted model),
 * called with fresh `args`; the instance is disposed after the case.
 */
export function method<T extends { dispose(): void }>(
  name: string,
  make: () => T | Promise<T>,
  args: () => unknown[],
  call: (instance: T, args: unknown[]) => unknown,
  params: Target['params'],
  options?: Target['options'],
): Target {
  return {
    name,
    prepare: async () => {
      const instance = await make();
      return { args: args(), call: (a) => call(instance, a), dispose: () => instance.dispose() };
    },
    params,
    ...(options !== undefined ? { options } : {}),
  };
}
