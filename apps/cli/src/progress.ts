import cliProgress from 'cli-progress';

/** One long step: advance it, then stop it. */
export interface ProgressTask {
  /** Reports `done` of the task's total units, with a short detail (a loss, a phase). */
  update(done: number, detail?: string): void;
  /** Ends the task (draws it full if it finished). */
  stop(): void;
}

/** Where long steps report: bars with a time estimate on a terminal, plain lines otherwise. */
export interface Progress {
  /** Starts a task of `total` units under `label`. */
  task(label: string, total: number): ProgressTask;
  /** A line of narration between tasks. */
  log(message: string): void;
}

const formatSeconds = (s: number) =>
  s < 60 ? `${s.toFixed(0)} s` : s < 3600 ? `${(s / 60).toFixed(1)} min` : `${(s / 3600).toFixed(1)} h`;

/**
 * Progress on `stream` (stderr by default, so stdout stays the result): a cli-progress bar with
 * elapsed time and ETA on a TTY; elsewhere (CI logs, pipes) a line at every 10 % with the same
 * estimate; nothing when `quiet`.
 */
export function terminalProgress(options: { stream?: NodeJS.WriteStream; quiet?: boolean } = {}): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.quiet) return { task: () => ({ update() {}, stop() {} }), log() {} };
  return {
    log: (message) => stream.write(`${message}\n`),
    task(label, total) {
      const started = performance.now();
      if (stream.isTTY) {
        const bar = new cliProgress.SingleBar(
          {
            stream,
            format: `${label.padEnd(28)} {bar} {percentage}% | {elapsed} s, ETA {eta_formatted} | {detail}`,
            barsize: 24,
            hideCursor: true,
            clearOnComplete: false,
            etaBuffer: 50,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0, { detail: '', elapsed: '0' });
        return {
          update: (done, detail = '') =>
            bar.update(Math.min(done, total), {
              detail,
              elapsed: ((performance.now() - started) / 1000).toFixed(0),
            }),
          stop: () => bar.stop(),
        };
      }
      let lastDecile = -1;
      return {
        update(done, detail = '') {
          const fraction = Math.min(1, done / Math.max(1, total));
          const decile = Math.floor(fraction * 10);
          if (decile <= lastDecile) return;
          lastDecile = decile;
          const elapsed = (performance.now() - started) / 1000;
          const eta = fraction > 0 ? (elapsed * (1 - fraction)) / fraction : Number.NaN;
          stream.write(
            `${label} ${String(decile * 10).padStart(3)}% (${formatSeconds(elapsed)}${fraction < 1 && Number.isFinite(eta) ? `, about ${formatSeconds(eta)} left` : ''})${detail ? ` ${detail}` : ''}\n`,
          );
        },
        stop() {},
      };
    },
  };
}

const SAMPLER_PHASES = ['modes', 'regions', 'mcmc', 'bridge', 'labelling', 'training', 'done'] as const;

/** Units of a divide-and-conquer fit's progress task: its phases up to `done`. */
export const SAMPLER_STEPS = SAMPLER_PHASES.length - 1;

/** The `onProgress` of a divide-and-conquer fit, reporting its phase (and mode) to `task`. */
export function samplerProgress(task: ProgressTask) {
  return (p: { phase: (typeof SAMPLER_PHASES)[number]; mode?: number }): void =>
    task.update(SAMPLER_PHASES.indexOf(p.phase), p.phase + (p.mode !== undefined ? ` (mode ${p.mode})` : ''));
}
