import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { densityFromFunction } from '@polymodal/distributions';
import { type DivideAndConquerConfig, DivideAndConquerSampler } from '@polymodal/samplers';
import * as tf from '@tensorflow/tfjs-core';
import { type CliBackend, describeBackend, startBackend } from '../backend.js';
import { toCsv } from '../csv.js';
import { InputError, UsageError } from '../errors.js';
import { fromUser } from '../paths.js';
import { SAMPLER_STEPS, samplerProgress, terminalProgress } from '../progress.js';
import { interruptible } from '../signals.js';

/** Options of `polymodal sample`. */
export interface SampleOptions {
  target: string;
  box: string;
  samples: number;
  seed: number;
  out?: string;
  backend?: CliBackend;
  /** Print the modes, weights and log Z as JSON on stdout (the draws then need `--out`). */
  json?: boolean;
  /** A JSON file of sampler settings (`DivideAndConquerConfig` without `seed`). */
  config?: string;
}

/**
 * Reads `--config`: a JSON object of {@link DivideAndConquerConfig} settings (e.g.
 * `{"chains": 32, "draws": 500}`). The sampler itself rejects unknown keys and bad values.
 */
function readSamplerConfig(path: string): DivideAndConquerConfig {
  if (!existsSync(path)) throw new InputError(`${path}: no such file.`);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InputError(
      `${path}: not valid JSON (${error instanceof Error ? error.message : String(error)}).`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InputError(
      `${path}: expected a JSON object of sampler settings (e.g. {"chains": 32}), got ${JSON.stringify(value)}.`,
    );
  if ('seed' in value) throw new InputError(`${path}: give the seed with --seed, not in the config file.`);
  return value as DivideAndConquerConfig;
}

/** Parses `--box "lo,hi;lo,hi"` (one `lo,hi` pair per dimension). */
export function parseBox(text: string): { low: number[]; high: number[] } {
  const pairs = text.split(';').map((p) => p.split(',').map((v) => Number(v.trim())));
  if (pairs.some((p) => p.length !== 2 || !p.every(Number.isFinite) || (p[0] as number) >= (p[1] as number)))
    throw new UsageError(
      `--box must be 'low,high' per dimension separated by ';' with low < high (e.g. "-5,5;-5,5"), got '${text}'.`,
    );
  return { low: pairs.map((p) => p[0] as number), high: pairs.map((p) => p[1] as number) };
}

/**
 * Loads a user's log density from an ES module. The module exports
 * `logDensity(x, tf)`: points `x` `[N, dim]` → `[N]` log ρ (unnormalised), built with the `tf`
 * it is given (so it runs on the same tfjs as the sampler), and optionally `gradLogDensity(x, tf)`.
 */
async function loadTarget(path: string, dim: number) {
  if (!existsSync(path)) throw new InputError(`${path}: no such file.`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    throw new InputError(
      `${path}: could not be imported as an ES module (${error instanceof Error ? error.message : String(error)}).`,
    );
  }
  const logDensity = mod.logDensity;
  if (typeof logDensity !== 'function')
    throw new InputError(
      `${path}: must export a function logDensity(x, tf) mapping points [N, ${dim}] to log densities [N]; it exports ${Object.keys(mod).join(', ') || 'nothing'}.`,
    );
  const grad = mod.gradLogDensity;
  if (grad !== undefined && typeof grad !== 'function')
    throw new InputError(`${path}: gradLogDensity must be a function when exported.`);
  return densityFromFunction({
    dim,
    logDensity: (x) => (logDensity as (x: tf.Tensor2D, t: typeof tf) => tf.Tensor1D)(x, tf),
    ...(grad
      ? { gradLogDensity: (x: tf.Tensor2D) => (grad as (x: tf.Tensor2D, t: typeof tf) => tf.Tensor2D)(x, tf) }
      : {}),
  });
}

/**
 * `polymodal sample --target density.mjs --box "-5,5;-5,5"`: the divide-and-conquer sampler on a
 * user's own density: prints the modes with their weights ± SE, and writes `--samples` draws as
 * CSV (to `--out`, or stdout).
 */
export async function sampleCommand(o: SampleOptions): Promise<void> {
  const box = parseBox(o.box);
  if (o.json && !o.out) throw new UsageError('--json prints the fit on stdout: give --out for the draws.');
  const settings = o.config ? readSamplerConfig(fromUser(o.config)) : {};
  const target = await loadTarget(fromUser(o.target), box.low.length);
  // Before the backend starts: bad settings fail fast.
  const sampler = new DivideAndConquerSampler({ ...settings, seed: o.seed });
  const backend = await startBackend(o.backend);
  process.stderr.write(`${describeBackend(backend)}\n`);
  try {
    const task = terminalProgress().task('divide-and-conquer sampler', SAMPLER_STEPS);
    await interruptible((signal) =>
      sampler.fit(target, {
        box,
        signal,
        onProgress: samplerProgress(task),
      }),
    ).finally(() => task.stop());
    if (o.json)
      process.stdout.write(
        `${JSON.stringify({ modes: sampler.modes, weights: sampler.weights, weightErrors: sampler.weightErrors, logNormalizer: sampler.logNormalizer, samples: o.samples, out: fromUser(o.out as string) })}\n`,
      );
    process.stderr.write(
      `${sampler.modes
        .map(
          (m, k) =>
            `mode ${k} at (${m.map((v) => v.toFixed(3)).join(', ')}): weight ${(sampler.weights[k] as number).toFixed(4)} ± ${(sampler.weightErrors[k] as number).toExponential(1)}`,
        )
        .join('\n')}\nlog Z ≈ ${sampler.logNormalizer.toFixed(4)}\n`,
    );
    const x = await sampler.sample(o.samples, { seed: o.seed });
    const rows = (await x.array()) as number[][];
    x.dispose();
    const text = toCsv(
      box.low.map((_, d) => `x${d + 1}`),
      rows,
    );
    if (o.out) writeFileSync(fromUser(o.out), text);
    else process.stdout.write(text);
  } finally {
    sampler.dispose();
  }
}
