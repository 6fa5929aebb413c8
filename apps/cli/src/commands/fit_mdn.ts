import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MixtureDensityNetwork } from '@polymodal/mdn';
import { type CliBackend, describeBackend, startBackend } from '../backend.js';
import { readNumericCsv } from '../csv.js';
import { InputError } from '../errors.js';
import { fromUser } from '../paths.js';
import { terminalProgress } from '../progress.js';
import { interruptible } from '../signals.js';

/** Options of `polymodal fit mdn`. */
export interface FitMdnOptions {
  x: string[];
  y: string[];
  out: string;
  components: number;
  members: number;
  iterations: number;
  hidden: number[];
  seed: number;
  backend?: CliBackend;
  /** Print the outcome as JSON on stdout. */
  json?: boolean;
}

/** The file beside the weights that names the CSV columns a model was trained on. */
export const COLUMNS_FILE = 'polymodal-columns.json';

/**
 * `polymodal fit mdn data.csv --x cols --y cols --out model/`: trains a mixture density network (an
 * ensemble with `--members`) on the CSV's columns and saves it with the column names. Ctrl-C stops
 * training and saves the model as it is.
 */
export async function fitMdnCommand(csv: string, o: FitMdnOptions): Promise<void> {
  const overlap = o.x.filter((c) => o.y.includes(c));
  if (overlap.length) throw new InputError(`columns ${overlap.join(', ')} are in both --x and --y.`);
  const path = fromUser(csv);
  const rows = readNumericCsv(path, [...o.x, ...o.y]);
  if (rows.length < 2)
    throw new InputError(`${path}: at least 2 data rows are needed to train, got ${rows.length}.`);
  const backend = await startBackend(o.backend);
  process.stderr.write(`${describeBackend(backend)}\n`);
  const x = rows.map((r) => r.slice(0, o.x.length));
  const y = rows.map((r) => r.slice(o.x.length));
  const mdn = new MixtureDensityNetwork({
    inputDim: o.x.length,
    outputDim: o.y.length,
    components: o.components,
    members: o.members,
    hiddenUnits: o.hidden,
    seed: o.seed,
  });
  try {
    const task = terminalProgress().task('training', o.iterations);
    const result = await interruptible((signal) =>
      mdn.fit(x, y, {
        iterations: o.iterations,
        seed: o.seed,
        signal,
        onProgress: (p) => task.update(p.iteration, `NLL per member ${p.loss.toFixed(3)}`),
      }),
    ).finally(() => task.stop());
    const out = fromUser(o.out);
    await mdn.save(pathToFileURL(out).href);
    writeFileSync(join(out, COLUMNS_FILE), `${JSON.stringify({ x: o.x, y: o.y }, null, 1)}\n`);
    if (o.json)
      process.stdout.write(
        `${JSON.stringify({ model: out, rows: rows.length, members: o.members, components: o.components, iterations: result.iterations, stopReason: result.stopReason, finalLoss: result.history.loss.at(-1) ?? null })}\n`,
      );
    else
      process.stdout.write(
        `trained ${o.members} × K = ${o.components} on ${rows.length} rows (${result.iterations} iterations, ${result.stopReason}); saved to ${out}\n`,
      );
  } finally {
    mdn.dispose();
  }
}

/** Reads the column names saved beside a model by {@link fitMdnCommand}. */
export function readColumns(dir: string): { x: string[]; y: string[] } {
  const file = join(dir, COLUMNS_FILE);
  if (!existsSync(file))
    throw new InputError(`${dir}: not a model folder written by 'polymodal fit' (no ${COLUMNS_FILE}).`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new InputError(`${file}: not valid JSON.`);
  }
  const p = parsed as { x?: unknown; y?: unknown };
  const names = (v: unknown) => Array.isArray(v) && v.length > 0 && v.every((c) => typeof c === 'string');
  if (!names(p.x) || !names(p.y)) throw new InputError(`${file}: expected { "x": [names], "y": [names] }.`);
  return { x: p.x as string[], y: p.y as string[] };
}
