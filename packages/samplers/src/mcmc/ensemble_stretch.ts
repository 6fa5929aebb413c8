import type { UnnormalizedDensity } from '@polymodal/distributions';
import { assertNumber, ValueError } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { checkTarget } from '../target.js';
import {
  type ChainKernel,
  type McmcOptions,
  type McmcResult,
  runChains,
  runSettings,
  withInit,
} from './chains.js';

/** Options of {@link ensembleStretch}; `init` holds the walkers (at least `2 · dim`, an even number). */
export interface EnsembleStretchOptions extends McmcOptions {
  /** Scale `a > 1` of the stretch distribution `g(z) ∝ 1/√z` on `[1/a, a]`. Default 2. */
  a?: number;
}

/**
 * Goodman & Weare's affine-invariant ensemble sampler with the stretch move, as emcee runs it: the
 * walkers split in two halves; each walker `x` of one half moves to `y = c − z (c − x)` towards a
 * random walker `c` of the other half, `z = ((a − 1)u + 1)²/a`, accepted with
 * `min(1, z^{dim−1} ρ(y)/ρ(x))`. Uses densities only (no score). Needs at least `2 · dim` walkers
 * (emcee's rule), in an even number.
 *
 * @returns kept draws `[draws, walkers, dim]` (the caller disposes them) and run statistics;
 *   `stepSize` reports `a`.
 */
export async function ensembleStretch(
  target: UnnormalizedDensity,
  options: EnsembleStretchOptions,
): Promise<McmcResult> {
  const t = checkTarget(target, 'ensembleStretch');
  const o = options ?? ({} as EnsembleStretchOptions);
  const a = o.a ?? 2;
  assertNumber(a, 'ensembleStretch: a', { greaterThan: 1 });
  const s = await runSettings(o, t.dim, ['a'], 'ensembleStretch');
  const [n, d] = s.init.shape;
  if (n < 2 * d || n % 2 !== 0) {
    s.init.dispose();
    throw new ValueError(
      `ensembleStretch: needs an even number of walkers, at least 2 · dim = ${2 * d}; got ${n} (init [${n}, ${d}]).`,
    );
  }
  // Stretch moves stay in the affine hull of the walkers: a degenerate start never spreads out.
  const smallest = tf.tidy(() => tf.min(tf.moments(s.init, 0).variance));
  const spread = (await smallest.data())[0] as number;
  smallest.dispose();
  if (!(spread > 0)) {
    s.init.dispose();
    throw new ValueError(
      'ensembleStretch: the walkers start with zero spread in some coordinate; the stretch move never leaves the span of the walkers, so start them scattered (e.g. around a mode).',
    );
  }
  const half = n / 2;
  let x = s.init;
  let logp = withInit(s, () => t.logDensity(x));
  const kernel: ChainKernel = {
    chains: n,
    gradientsPerStep: 0,
    densitiesPerStep: n,
    step(seed) {
      const r = tf.tidy(() => {
        let xs: tf.Tensor[] = [tf.slice(x, [0, 0], [half, d]), tf.slice(x, [half, 0], [half, d])];
        let lps: tf.Tensor[] = [tf.slice(logp, [0], [half]), tf.slice(logp, [half], [half])];
        let accepted = tf.scalar(0);
        let nan = tf.scalar(0);
        for (const h of [0, 1]) {
          const mover = xs[h] as tf.Tensor2D;
          const other = xs[1 - h] as tf.Tensor2D;
          const u = tf.randomUniform([half], 0, 1, 'float32', seed + 3 * h);
          const z = tf.div(tf.square(tf.add(tf.mul(a - 1, u), 1)), a);
          const pick = tf.randomUniform([half], 0, half, 'int32', seed + 3 * h + 1);
          const c = tf.gather(other, pick);
          const y = tf.sub(c, tf.mul(tf.reshape(z, [half, 1]), tf.sub(c, mover))) as tf.Tensor2D;
          const logpY = t.logDensity(y);
          nan = tf.add(nan, tf.sum(tf.cast(tf.isNaN(logpY), 'float32')));
          const raw = tf.add(tf.mul(d - 1, tf.log(z)), tf.sub(logpY, lps[h] as tf.Tensor));
          const logAlpha = tf.where(
            tf.logicalAnd(tf.isFinite(logpY), tf.logicalNot(tf.isNaN(raw))),
            tf.minimum(raw, 0),
            tf.fill([half], -Infinity),
          );
          const accept = tf.less(
            tf.log(tf.randomUniform([half], 0, 1, 'float32', seed + 3 * h + 2)),
            logAlpha,
          );
          accepted = tf.add(accepted, tf.sum(tf.exp(logAlpha)));
          const moved = tf.where(tf.reshape(accept, [half, 1]), y, mover);
          const movedLp = tf.where(accept, logpY, lps[h] as tf.Tensor);
          xs = h === 0 ? [moved, xs[1] as tf.Tensor] : [xs[0] as tf.Tensor, moved];
          lps = h === 0 ? [movedLp, lps[1] as tf.Tensor] : [lps[0] as tf.Tensor, movedLp];
        }
        return {
          x: tf.concat(xs, 0) as tf.Tensor2D,
          logp: tf.concat(lps, 0) as tf.Tensor1D,
          accepted: accepted as tf.Scalar,
          nan: nan as tf.Scalar,
        };
      });
      tf.dispose([x, logp]);
      x = r.x;
      logp = r.logp;
      return { accepted: r.accepted, nonFinite: r.nan };
    },
    endBurnIn() {},
    draw: () => x.clone(),
    stepSize: () => tf.scalar(a),
    dispose() {
      tf.dispose([x, logp]);
    },
  };
  return runChains(kernel, s, 'ensembleStretch');
}
