// The fuzz suite's seeded subset, in the test command: every column but "typed" must read 0.
// The full run (every generated case, over 7,600) is `pnpm --filter @polymodal/fuzz fuzz`.
import { describe, expect, it } from 'vitest';
import { casesOf } from './cases.js';
import { formatReport, fuzz, sampleIndices } from './run.js';
import { TARGETS } from './targets/index.js';

describe('the fuzz suite', () => {
  it('generates at least 1,000 invalid calls for every package', () => {
    for (const [name, targets] of Object.entries(TARGETS))
      expect(targets.flatMap(casesOf).length, name).toBeGreaterThanOrEqual(1000);
  });

  it('samples deterministically', () => {
    expect(sampleIndices(100, 5, 3)).toEqual(sampleIndices(100, 5, 3));
    expect(new Set(sampleIndices(100, 50, 3)).size).toBe(50);
  });

  it('a seeded subset of every package: only typed errors, no hang, NaN, silent acceptance or leak', async () => {
    const report = await fuzz({ sample: 400, seed: 2026, timeoutMs: 60_000 });
    const table = formatReport(report);
    for (const [name, row] of Object.entries(report.rows)) {
      expect(row.tried, `${name}\n${table}`).toBe(400);
      expect({ name, ...row, typed: row.tried }, `${table}\n${report.failures.join('\n')}`).toEqual({
        name,
        tried: row.tried,
        typed: row.tried,
        other: 0,
        hang: 0,
        nan: 0,
        accepted: 0,
        leaked: 0,
      });
    }
  });
});
