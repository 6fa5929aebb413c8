import { ShapeError, ValueError } from '../errors.js';
import type { Rng } from '../rng.js';
import { assertNumber, assertPositiveInteger } from '../validate.js';

/**
 * k-means (k-means++ seeding, then Lloyd iterations) of `n` rows of width `d`, on the host in
 * float64: the K centres, row-major `[K, d]`. For initialising component means (the MDN's mean
 * biases, MixFlow's mode network), not for clustering at scale: callers subsample large data first.
 * An empty cluster keeps its centre.
 *
 * @param rows `n × d` finite values, row-major.
 * @param K centres, 1 ≤ K ≤ n.
 * @param rng the stream of the k-means++ draws (same stream, same centres).
 * @param iterations at most this many Lloyd iterations (it stops once no label changes). Default 50.
 * @throws ShapeError / ValueError on sizes that do not fit or non-finite rows.
 */
export function kMeans(
  rows: Float32Array | Float64Array,
  n: number,
  d: number,
  K: number,
  rng: Rng,
  iterations = 50,
): Float64Array {
  assertPositiveInteger(n, 'kMeans: n');
  assertPositiveInteger(d, 'kMeans: d');
  assertNumber(K, 'kMeans: K', { integer: true, min: 1, max: n });
  assertNumber(iterations, 'kMeans: iterations', { integer: true, min: 0, max: 1e6 });
  if (rows.length !== n * d)
    throw new ShapeError(`kMeans: rows has ${rows.length} values; expected n · d = ${n * d}.`);
  if (!rows.every(Number.isFinite)) throw new ValueError('kMeans: rows must be finite.');
  const centres = new Float64Array(K * d);
  const dist = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  const sq = (i: number, c: number) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += ((rows[i * d + j] as number) - (centres[c * d + j] as number)) ** 2;
    return s;
  };
  // k-means++: each new centre drawn with probability ∝ squared distance to the nearest one.
  let pick = rng.int(n);
  for (let c = 0; c < K; c++) {
    for (let j = 0; j < d; j++) centres[c * d + j] = rows[pick * d + j] as number;
    let total = 0;
    for (let i = 0; i < n; i++) {
      dist[i] = Math.min(dist[i] as number, sq(i, c));
      total += dist[i] as number;
    }
    let u = rng.uniform() * total;
    pick = n - 1;
    for (let i = 0; i < n; i++) {
      u -= dist[i] as number;
      if (u <= 0) {
        pick = i;
        break;
      }
    }
  }
  const label = new Int32Array(n);
  const sums = new Float64Array(K * d);
  const counts = new Float64Array(K);
  for (let it = 0; it < iterations; it++) {
    let moved = false;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestD = Number.POSITIVE_INFINITY;
      for (let c = 0; c < K; c++) {
        const s = sq(i, c);
        if (s < bestD) {
          bestD = s;
          best = c;
        }
      }
      if (label[i] !== best) moved = true;
      label[i] = best;
    }
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const c = label[i] as number;
      counts[c] = (counts[c] as number) + 1;
      for (let j = 0; j < d; j++) sums[c * d + j] = (sums[c * d + j] as number) + (rows[i * d + j] as number);
    }
    // An empty cluster keeps its centre.
    for (let c = 0; c < K; c++)
      if ((counts[c] as number) > 0)
        for (let j = 0; j < d; j++) centres[c * d + j] = (sums[c * d + j] as number) / (counts[c] as number);
    if (!moved && it > 0) break; // labels are stable: the centres are final
  }
  return centres;
}
