// The quality gates CI holds: Biome (lint and format) over the repository, and a strict type check
// of every workspace that declares one. They run inside the test command so they cannot go red
// unnoticed.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const biome = join(root, 'node_modules/@biomejs/biome/bin/biome');

const typechecked = ['packages', 'apps', 'tools']
  .flatMap((group) => readdirSync(join(root, group)).map((name) => join(group, name)))
  .concat(['e2e'])
  .filter((dir) => {
    try {
      const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
      return typeof manifest.scripts?.typecheck === 'string';
    } catch {
      return false;
    }
  });

describe('quality gates', () => {
  it('biome check passes on the whole repository', () => {
    const run = spawnSync(process.execPath, [biome, 'check', '.', '--colors=off'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
  });

  it.each(typechecked)('%s type-checks (tsc --noEmit, strict)', (dir) => {
    const run = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--noEmit'], {
      cwd: join(root, dir),
      encoding: 'utf8',
    });
    expect(run.status, run.stdout).toBe(0);
  });
});
