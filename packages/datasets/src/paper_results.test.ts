import { describe, expect, it } from 'vitest';
import { MDN_PAPER_SADDLE_NODE, MDN_PAPER_SINE_COMPONENTS } from './paper_results.js';

// The published tables the CLI judges its findings against: their coverage and the findings they
// encode (spec mdn.md §11), so a typo that flips a finding fails here, not in a report.
describe('the MDN paper’s published results', () => {
  it('cover K = 1 … 16 and N = 50 … 1000 with finite means and non-negative spreads', () => {
    expect(Object.keys(MDN_PAPER_SINE_COMPONENTS).map(Number)).toEqual(
      Array.from({ length: 16 }, (_, i) => i + 1),
    );
    expect(Object.keys(MDN_PAPER_SADDLE_NODE).map(Number)).toEqual([50, 100, 200, 500, 1000]);
    const all = [
      ...Object.values(MDN_PAPER_SINE_COMPONENTS),
      ...Object.values(MDN_PAPER_SADDLE_NODE).flatMap((r) => [r.mdn, r.cfm]),
    ];
    for (const [m, sd] of all) {
      expect(Number.isFinite(m)).toBe(true);
      expect(sd).toBeGreaterThanOrEqual(0);
    }
  });

  it('encode the paper’s findings: steep to K = 3, flat from K = 5; MDN ahead at N = 50, CFM from N = 200', () => {
    const k = (K: number) => (MDN_PAPER_SINE_COMPONENTS[K] as readonly [number, number])[0];
    expect(k(1) - k(3)).toBeGreaterThan(0.5);
    for (let K = 5; K <= 16; K++) expect(Math.abs(k(K) - k(5))).toBeLessThan(0.05);
    const s = (n: number) => MDN_PAPER_SADDLE_NODE[n] as { mdn: readonly number[]; cfm: readonly number[] };
    expect(s(50).cfm[0] as number).toBeGreaterThan(5 * (s(50).mdn[0] as number));
    for (const n of [200, 500, 1000]) expect(s(n).cfm[0] as number).toBeLessThan(s(n).mdn[0] as number);
  });
});
