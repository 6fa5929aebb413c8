// The quality gates CI holds: Biome (lint and format) over the repository, and a strict type check
// of every workspace that declares one. They run inside the test command so they cannot go red
// unnoticed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const biome = join(root, 'node_modules/@biomejs/biome/bin/biome');
const base = join(root, 'tsconfig.base.json');

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

interface WorkspaceTsconfig {
  extends?: string;
  compilerOptions?: Record<string, unknown>;
  include?: string[];
}
const tsconfigOf = (dir: string): WorkspaceTsconfig =>
  JSON.parse(readFileSync(join(root, dir, 'tsconfig.json'), 'utf8'));

/**
 * Workspaces whose tsconfig is the shared base plus `noEmit` and an include list are checked in
 * one TypeScript program (the same options, so the same verdict, in a fraction of nine programs'
 * time: each would re-check the workspace sources it imports). Any other workspace is checked on
 * its own.
 */
const plain = (dir: string) => {
  const config = tsconfigOf(dir);
  const options = Object.keys(config.compilerOptions ?? {});
  return (
    config.extends !== undefined &&
    resolve(root, dir, config.extends) === base &&
    options.length === 1 &&
    config.compilerOptions?.noEmit === true &&
    Array.isArray(config.include)
  );
};
const combined = typechecked.filter(plain);
const separate = typechecked.filter((dir) => !plain(dir));

const typecheck = (project: string, cwd: string) =>
  spawnSync(process.execPath, [tsc, '-p', project, '--noEmit'], { cwd, encoding: 'utf8' });

describe('quality gates', () => {
  it('biome check passes on the whole repository', () => {
    const run = spawnSync(process.execPath, [biome, 'check', '.', '--colors=off'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
  });

  it('the pending changesets make a valid release plan (changeset status)', () => {
    // A changeset naming an ignored package beside a published one breaks `changeset version`.
    const bin = join(root, 'node_modules/@changesets/cli/bin.js');
    const run = spawnSync(process.execPath, [bin, 'status'], { cwd: root, encoding: 'utf8' });
    expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
  });

  it('finds the workspaces to type-check', () => {
    expect(typechecked).toEqual(expect.arrayContaining(['packages/tensor', 'apps/cli', 'tools/fuzz', 'e2e']));
  });

  it(`${combined.join(', ')} type-check (tsc --noEmit, strict)`, () => {
    // Inside node_modules so `types: ["node"]` resolves as it does from each workspace.
    const dir = join(root, 'node_modules/.cache/polymodal');
    mkdirSync(dir, { recursive: true });
    const project = join(dir, 'tsconfig.typecheck.json');
    writeFileSync(
      project,
      JSON.stringify({
        extends: base,
        compilerOptions: { noEmit: true },
        include: combined.flatMap((ws) => (tsconfigOf(ws).include ?? []).map((p) => join(root, ws, p))),
      }),
    );
    const run = typecheck(project, dirname(project));
    expect(run.status, run.stdout).toBe(0);
  });

  // (Empty today; kept so a workspace with its own options is still checked.)
  if (separate.length > 0)
    it.each(separate)('%s type-checks on its own (tsc --noEmit, strict)', (dir) => {
      const run = typecheck('tsconfig.json', join(root, dir));
      expect(run.status, run.stdout).toBe(0);
    });
});
