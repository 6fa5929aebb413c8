import { readFileSync } from 'node:fs';
import { type CliBackend, describeBackend, startBackend } from '../backend.js';
import { EXIT, UsageError } from '../errors.js';
import type { ExperimentResult, ResultRow, Scale } from '../experiments/experiment.js';
import { EXPERIMENTS, experimentByName } from '../experiments/index.js';
import { fromUser } from '../paths.js';
import { terminalProgress } from '../progress.js';
import { formatTable, type ReportEntry, writeReport } from '../report/report.js';
import { interruptible } from '../signals.js';

/** Options of `polymodal reproduce`. */
export interface ReproduceOptions {
  scale: Scale;
  seeds?: number;
  backend?: CliBackend;
  out: string;
  json?: boolean;
  quiet?: boolean;
}

const isAbort = (e: unknown) => e instanceof Error && e.name === 'AbortError';

function summarize(r: ExperimentResult): string {
  const decided = r.findings.filter((f) => f.holds !== undefined);
  return `${decided.filter((f) => f.holds).length} of ${decided.length} reproduced`;
}

/**
 * Runs the named experiments (all when none is named) one after the other, prints each table and
 * finding, and writes `results.json` and `report.html` into `out`. Ctrl-C stops the running
 * experiment at its next step and writes what finished. Returns the exit code.
 */
export async function reproduceCommand(names: string[], options: ReproduceOptions): Promise<number> {
  const wanted =
    names.length === 0 || (names.length === 1 && names[0] === 'all') ? EXPERIMENTS.map((e) => e.name) : names;
  const experiments = wanted.map((name) => {
    const e = experimentByName(name);
    if (!e)
      throw new UsageError(
        `unknown experiment '${name}'; choose from ${EXPERIMENTS.map((x) => x.name).join(', ')} (or all).`,
      );
    return e;
  });
  const out = fromUser(options.out);
  const backend = await startBackend(options.backend);
  const print = (s: string) => {
    if (!options.json) process.stdout.write(`${s}\n`);
  };
  const progress = terminalProgress({ quiet: options.quiet === true });
  print(describeBackend(backend));
  const entries: ReportEntry[] = [];
  let interrupted = false;
  let failed = false;
  await interruptible(async (signal) => {
    for (const experiment of experiments) {
      const rows: ResultRow[] = [];
      const entry: ReportEntry = { experiment, rows };
      entries.push(entry);
      if (interrupted) {
        entry.error = 'interrupted';
        continue;
      }
      const seeds = options.seeds ?? experiment.defaultSeeds[options.scale];
      print(
        `\n## ${experiment.name}: ${experiment.title}\n(${experiment.paper}; scale ${options.scale}, ${seeds} seed${seeds > 1 ? 's' : ''})`,
      );
      try {
        const result = await experiment.run({
          scale: options.scale,
          seeds,
          backend,
          progress,
          signal,
          record: (row) => rows.push(row),
        });
        entry.result = result;
        print(`\nScale run: ${result.scaleNote}.\nPaper: ${result.paperNote}.\n`);
        for (const t of result.tables) print(`${formatTable(t)}\n`);
        for (const f of result.findings)
          print(
            `${f.holds === undefined ? '?' : f.holds ? '✓ reproduced' : '✗ not reproduced'}: ${f.claim} ${f.detail}`,
          );
        print(`(${result.seconds.toFixed(0)} s)`);
      } catch (error) {
        if (isAbort(error) || signal.aborted) {
          interrupted = true;
          entry.error = 'interrupted';
          print(`\n${experiment.name} interrupted; ${rows.length} measured rows kept.`);
        } else {
          failed = true;
          entry.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          print(`\n${experiment.name} failed: ${entry.error}`);
        }
      }
    }
  });
  const paths = await writeReport(out, entries, { scale: options.scale, backend, interrupted });
  if (options.json) {
    process.stdout.write(readFileSync(paths.results, 'utf8'));
  } else {
    print(
      `\n${formatTable({
        title: `Summary (scale ${options.scale})`,
        headers: ['experiment', 'status', 'paper findings', 'seconds'],
        rows: entries.map((e) => [
          e.experiment.name,
          e.result ? 'finished' : ((e.error ?? 'failed').split(':')[0] as string),
          e.result ? summarize(e.result) : '—',
          e.result ? e.result.seconds.toFixed(0) : '—',
        ]),
      })}\n\nresults: ${paths.results}\nreport:  ${paths.report}`,
    );
  }
  return interrupted ? EXIT.interrupted : failed ? EXIT.failure : EXIT.ok;
}
