import { Rng, ValueError } from '@polymodal/tensor';
import { describe, expect, it } from 'vitest';
import { Populations } from './populations.js';

// Rows 0–5 under three conditions, interleaved; condition 2 has one row.
const conditions = Float32Array.from([1, 0, 2, 0, 1, 0, 2, 0, 1, 0, 3, 3]);

describe('Populations', () => {
  it('groups equal condition rows and fills every batch slot from its own population', () => {
    const p = new Populations(conditions, 6, 2, new Rng(0));
    expect(p.count).toBe(3);
    expect(p.members.map((m) => Array.from(m))).toEqual([[0, 2, 4], [1, 3], [5]]);
    const pops = p.members.map((m) => new Set(m));
    for (let b = 0; b < 5; b++) {
      const { index, group } = p.next(3, 2);
      expect(index.length).toBe(6);
      const seen = new Set<number>();
      for (let g = 0; g < 3; g++) {
        const rows = Array.from(index.subarray(2 * g, 2 * g + 2));
        expect(Array.from(group.subarray(2 * g, 2 * g + 2))).toEqual([g, g]);
        const owner = pops.findIndex((s) => s.has(rows[0] as number));
        expect(rows.every((r) => pops[owner]?.has(r))).toBe(true);
        // Without replacement where the population is large enough.
        if ((pops[owner]?.size ?? 0) >= 2) expect(rows[0]).not.toBe(rows[1]);
        seen.add(owner);
      }
      expect(seen.size).toBe(3); // each pass over the populations visits every one once
    }
  });

  it('takes explicit groups and rejects groups that mix conditions', () => {
    const same = Float32Array.from([1, 1, 1, 2, 2]);
    expect(new Populations(same, 5, 1, new Rng(0), [7, 7, 8, 9, 9]).count).toBe(3);
    expect(() => new Populations(same, 5, 1, new Rng(0), [0, 0, 0, 0, 1])).toThrow(ValueError);
  });
});
