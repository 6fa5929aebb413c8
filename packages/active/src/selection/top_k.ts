import { assertNumber, ValueError } from '@polymodal/tensor';

/** Checks a batch size against the candidates. @throws ValueError */
export function checkBatch(k: number, candidates: number, where: string): void {
  assertNumber(k, `${where}: k`, { integer: true, min: 1 });
  if (k > candidates)
    throw new ValueError(
      `${where}: cannot select ${k} of ${candidates} candidates; k must be ≤ the pool size.`,
    );
}

/**
 * Greedy top-k (JaxMix-AL `select_top_k`): the indices of the k largest scores, best first; ties
 * go to the lower index. NaN scores rank last.
 *
 * @throws ValueError when k is not an integer in [1, scores.length].
 */
export function topK(scores: ArrayLike<number>, k: number): number[] {
  checkBatch(k, scores.length, 'topK');
  const key = (i: number) => {
    const s = scores[i] as number;
    return Number.isNaN(s) ? Number.NEGATIVE_INFINITY : s;
  };
  const order = Array.from({ length: scores.length }, (_, i) => i);
  order.sort((a, b) => key(b) - key(a) || a - b);
  return order.slice(0, k);
}
