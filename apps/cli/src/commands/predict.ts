import { pathToFileURL } from 'node:url';
import { MixtureDensityNetwork } from '@polymodal/mdn';
import * as tf from '@tensorflow/tfjs-core';
import { type CliBackend, startBackend } from '../backend.js';
import { readNumericCsv, toCsv } from '../csv.js';
import { InputError } from '../errors.js';
import { fromUser } from '../paths.js';
import { readColumns } from './fit_mdn.js';

/** What `polymodal predict` writes per input row. */
export const PREDICT_OUTPUTS = ['mixture', 'modes', 'intervals', 'samples'] as const;

/** Options of `polymodal predict`. */
export interface PredictOptions {
  output: (typeof PREDICT_OUTPUTS)[number];
  format: 'csv' | 'json';
  samples: number;
  mass: number;
  seed: number;
  backend?: CliBackend;
}

/**
 * `polymodal predict model/ data.csv`: the trained model's conditional distribution at each row's
 * inputs (the columns it was trained on), as the mixture's parameters, its modes, central
 * intervals (one output column), or draws; CSV or JSON on stdout.
 */
export async function predictCommand(modelDir: string, csv: string, o: PredictOptions): Promise<void> {
  const dir = fromUser(modelDir);
  const columns = readColumns(dir);
  const x = readNumericCsv(fromUser(csv), columns.x);
  await startBackend(o.backend);
  const mdn = await MixtureDensityNetwork.load(pathToFileURL(dir).href);
  const D = columns.y.length;
  const records: Record<string, number | number[]>[] = [];
  try {
    if (o.output === 'mixture') {
      const m = mdn.predict(x);
      const weights = tf.softmax(m.logits);
      const [w, mu, v] = await Promise.all([
        weights.array() as Promise<number[][]>,
        m.means.array() as Promise<number[][][]>,
        m.variances.array() as Promise<number[][][]>,
      ]).finally(() => {
        weights.dispose();
        m.dispose();
      });
      x.forEach((_, i) => {
        const r: Record<string, number> = {};
        (w[i] ?? []).forEach((wk, k) => {
          r[`weight_${k}`] = wk;
          columns.y.forEach((c, d) => {
            r[`mean_${k}_${c}`] = mu[i]?.[k]?.[d] as number;
            r[`std_${k}_${c}`] = Math.sqrt(v[i]?.[k]?.[d] as number);
          });
        });
        records.push(r);
      });
    } else if (o.output === 'modes') {
      const modes = await mdn.modes(x);
      modes.forEach((list, i) => {
        list.forEach((mode, k) => {
          const r: Record<string, number> = { row: i, mode: k, log_density: mode.logDensity };
          columns.y.forEach((c, d) => {
            r[c] = mode.location[d] as number;
          });
          records.push(r);
        });
      });
    } else if (o.output === 'intervals') {
      if (D !== 1)
        throw new InputError(
          `--output intervals needs one output column; this model has ${D} (${columns.y.join(', ')}).`,
        );
      const m = mdn.predict(x);
      const { lower, upper } = m.centralInterval(o.mass);
      const [l, h] = await Promise.all([lower.data(), upper.data()]);
      tf.dispose([lower, upper]);
      m.dispose();
      for (let i = 0; i < x.length; i++)
        records.push({ row: i, mass: o.mass, lower: l[i] as number, upper: h[i] as number });
    } else {
      const draws = mdn.sample(x, o.samples, { seed: o.seed });
      const v = (await draws.array()) as number[][][];
      draws.dispose();
      for (let j = 0; j < o.samples; j++)
        x.forEach((_, i) => {
          const r: Record<string, number> = { row: i, draw: j };
          columns.y.forEach((c, d) => {
            r[c] = v[j]?.[i]?.[d] as number;
          });
          records.push(r);
        });
    }
  } finally {
    mdn.dispose();
  }
  if (o.format === 'json') process.stdout.write(`${JSON.stringify(records)}\n`);
  else {
    const header = Object.keys(records[0] ?? {});
    process.stdout.write(
      toCsv(
        header,
        records.map((r) => header.map((h) => r[h] as number)),
      ),
    );
  }
}
