// Browser waits that follow progress, not a fixed clock: a run may take as long as it needs while
// it keeps moving, and fails fast once it stops moving.

/** What a poll sees: whether the run ended, and a progress marker that changes while it runs. */
export interface Poll {
  done: boolean;
  progress: string;
}

/**
 * Polls `read` until it reports `done`; throws when the progress marker has not changed for
 * `stallMs` (default 120 s, generous for a busy 2-core machine).
 */
export async function waitWhileProgressing(
  read: () => Promise<Poll>,
  what: string,
  { stallMs = 120_000, pollMs = 500 } = {},
): Promise<void> {
  let last = '';
  let since = Date.now();
  for (;;) {
    const p = await read();
    if (p.done) return;
    if (p.progress !== last) {
      last = p.progress;
      since = Date.now();
    } else if (Date.now() - since > stallMs) {
      throw new Error(`${what}: no progress for ${stallMs / 1000} s (last: ${last || 'none'})`);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
