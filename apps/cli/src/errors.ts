import { PolymodalError } from '@polymodal/tensor';

/** Exit codes scripts can rely on. */
export const EXIT = {
  ok: 0,
  /** The work failed (bad data, a model that did not train, a package error). */
  failure: 1,
  /** The command line was wrong: unknown command or flag, a bad value. Nothing ran. */
  usage: 2,
  /** Stopped by Ctrl-C (SIGINT); what finished was kept. */
  interrupted: 130,
} as const;

/** A wrong command line: one line on stderr, exit code 2. */
export class UsageError extends PolymodalError {
  override name = 'UsageError';
}

/** A user's input file (CSV, model folder, target module) that cannot be used: exit code 1. */
export class InputError extends PolymodalError {
  override name = 'InputError';
}
