import { assertNumber, assertSeed, checkOptions, optionKeys, Rng } from '@polymodal/tensor';
import { checkBatch, topK } from './top_k.js';

/** Options of {@link stochasticBatch}. */
export interface StochasticBatchOptions {
  /** Temperature T of `p ∝ exp(score / T)`. Default 0.3 (the reference's). */
  temperature?: number;
  /** Seed of the Gumbel noise. Default a random one. */
  seed?: number;
}

const KEYS = optionKeys<StochasticBatchOptions>()(['temperature', 'seed']);

/**
 * Stochastic batch acquisition (Kirsch et al. 2022; JaxMix-AL `sbal.py`): k distinct indices
 * drawn without replacement from `p ∝ exp(score / T)` by Gumbel-top-k — the top k of
 * `(score − max) / T + Gumbel noise`. As T → 0 this is top-k; large T approaches uniform.
 *
 * @throws ValueError on a bad k, temperature or seed, or non-finite scores.
 */
export function stochasticBatch(
  scores: ArrayLike<number>,
  k: number,
  options: StochasticBatchOptions = {},
): number[] {
  const o = checkOptions(options, KEYS, 'stochasticBatch');
  const temperature = o.temperature ?? 0.3;
  assertNumber(temperature, 'stochasticBatch: temperature', { greaterThan: 0 });
  const seed = o.seed ?? Rng.randomSeed();
  assertSeed(seed, 'stochasticBatch: seed');
  checkBatch(k, scores.length, 'stochasticBatch');
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i] as number;
    assertNumber(s, `stochasticBatch: scores[${i}]`);
    if (s > max) max = s;
  }
  const rng = new Rng(seed);
  const perturbed = new Float64Array(scores.length);
  for (let i = 0; i < scores.length; i++) {
    const u = 1e-16 + rng.uniform() * (1 - 2e-16); // in (0, 1): the Gumbel draw stays finite
    const gumbel = -Math.log(-Math.log(u));
    perturbed[i] = ((scores[i] as number) - max) / temperature + gumbel;
  }
  return topK(perturbed, k);
}
