// Every ```ts block of the repository README and of each package README runs as written (Node,
// the default backend), from the package's folder so its workspace imports resolve.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = join(root, 'node_modules/tsx/dist/cli.mjs');

/** [label, folder to run in, code] for every TypeScript block. */
function examples(): [string, string, string][] {
  const readmes: [string, string][] = [['README.md', join(root, 'packages/nn')]];
  for (const p of readdirSync(join(root, 'packages')))
    readmes.push([`packages/${p}/README.md`, join(root, 'packages', p)]);
  return readmes.flatMap(([file, dir]) => {
    let text: string;
    try {
      text = readFileSync(join(root, file), 'utf8');
    } catch {
      return [];
    }
    return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map(
      (m, i) => [`${file} #${i + 1}`, dir, m[1] as string] as [string, string, string],
    );
  });
}

describe('README examples', () => {
  const all = examples();
  it('finds the examples', () => {
    expect(all.length).toBeGreaterThanOrEqual(9);
  });

  it.each(all)('%s runs', (label, dir, code) => {
    const file = join(dir, `.readme-example-${process.pid}.ts`);
    writeFileSync(file, code);
    try {
      const run = spawnSync(process.execPath, [tsx, '--conditions=@polymodal/source', file], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 300_000,
      });
      expect(run.status, `${label}\n${run.stderr.slice(-2000)}`).toBe(0);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
