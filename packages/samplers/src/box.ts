import { assertNumber, describeValue, ValueError } from '@polymodal/tensor';

/** An axis-aligned prior box `[low_d, high_d]` per coordinate. */
export interface Box {
  /** Lower corner, one entry per dimension. */
  low: readonly number[];
  /** Upper corner; every entry strictly above `low`'s. */
  high: readonly number[];
}

/** A validated box in float64. */
export interface CheckedBox {
  low: Float64Array;
  high: Float64Array;
  /** `high − low`. */
  width: Float64Array;
}

/**
 * Validates a box for a `dim`-dimensional target: both corners present, of length `dim`, finite,
 * and non-empty in every coordinate. @throws ValueError naming the offending coordinate.
 */
export function checkBox(box: unknown, dim: number, where: string): CheckedBox {
  if (box === null || typeof box !== 'object' || Array.isArray(box))
    throw new ValueError(
      `${where}: box must be { low: number[], high: number[] }, got ${describeValue(box)}.`,
    );
  const { low, high } = box as Partial<Box>;
  for (const [name, corner] of [
    ['low', low],
    ['high', high],
  ] as const) {
    if (!Array.isArray(corner) || corner.length !== dim)
      throw new ValueError(
        `${where}: box.${name} must be an array of ${dim} numbers (one per dimension), got ${describeValue(corner)}.`,
      );
  }
  const l = Float64Array.from(low as number[]);
  const h = Float64Array.from(high as number[]);
  for (let d = 0; d < dim; d++) {
    assertNumber(l[d], `${where}: box.low[${d}]`);
    assertNumber(h[d], `${where}: box.high[${d}]`);
    if (!((h[d] as number) > (l[d] as number)))
      throw new ValueError(
        `${where}: the box is empty or inverted in coordinate ${d} (low ${l[d]} ≥ high ${h[d]}); expected low < high.`,
      );
  }
  return { low: l, high: h, width: h.map((v, d) => v - (l[d] as number)) };
}
