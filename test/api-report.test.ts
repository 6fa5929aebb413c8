// Each published package's public surface is pinned in its api-report.md (scripts/api-report.mjs):
// a change to an export must come with the regenerated report, so it shows in review.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('API reports', () => {
  it('are up to date with every package’s exports (run `pnpm api:report` and review the diff)', () => {
    const run = spawnSync(process.execPath, ['scripts/api-report.mjs', '--check'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
