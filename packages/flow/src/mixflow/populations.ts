import { type Rng, ValueError } from '@polymodal/tensor';

/**
 * The rows of a conditional data set grouped into populations, one per distinct condition row,
 * and MixFlow's minibatches (the reference's `CustomisedDLSampler`, spec §8.4): `conditions`
 * populations per batch, `rows` rows of each, drawn without replacement (a population smaller
 * than `rows` is padded by resampling it), so every batch has the same shape.
 */
export class Populations {
  /** Row indices per population. */
  readonly members: Int32Array[];
  /** One row index per population (where its condition is read). */
  readonly representative: Int32Array;
  private order: Int32Array;
  private cursor = 0;

  /**
   * @param conditions the `[N, C]` conditions, row-major.
   * @param groups an integer population per row instead of grouping equal condition rows.
   */
  constructor(
    conditions: Float32Array,
    n: number,
    c: number,
    private readonly rng: Rng,
    groups?: ArrayLike<number>,
  ) {
    const byKey = new Map<string | number, number[]>();
    for (let i = 0; i < n; i++) {
      const key = groups?.[i] ?? conditions.subarray(i * c, (i + 1) * c).join(',');
      const rows = byKey.get(key) ?? [];
      rows.push(i);
      byKey.set(key, rows);
    }
    this.members = [...byKey.values()].map((rows) => Int32Array.from(rows));
    this.representative = Int32Array.from(this.members, (rows) => rows[0] as number);
    if (groups !== undefined)
      for (const rows of this.members) {
        const first = conditions.subarray((rows[0] as number) * c, ((rows[0] as number) + 1) * c);
        for (const i of rows)
          if (conditions.subarray(i * c, (i + 1) * c).some((v, j) => v !== first[j]))
            throw new ValueError(`groups: row ${i} has another condition than the rest of its group.`);
      }
    this.order = rng.permutation(this.members.length);
  }

  /** Number of populations. */
  get count(): number {
    return this.members.length;
  }

  /**
   * The row indices of the next batch, `conditions × rows` of them population by population, and
   * the batch position of each row's population (for per-condition OT).
   */
  next(conditions: number, rows: number): { index: Int32Array; group: Int32Array } {
    const index = new Int32Array(conditions * rows);
    const group = new Int32Array(conditions * rows);
    for (let g = 0; g < conditions; g++) {
      if (this.cursor === this.order.length) {
        this.order = this.rng.permutation(this.members.length);
        this.cursor = 0;
      }
      const pop = this.members[this.order[this.cursor++] as number] as Int32Array;
      const pick = this.rng.permutation(pop.length);
      for (let r = 0; r < rows; r++) {
        const k = r < pop.length ? (pick[r] as number) : this.rng.int(pop.length);
        index[g * rows + r] = pop[k] as number;
        group[g * rows + r] = g;
      }
    }
    return { index, group };
  }
}
