// Every public export of every published package has TSDoc (TypeDoc's notDocumented validation,
// run per package: with several entry points TypeDoc 0.28 skips that check) and the reference builds.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const docs = join(root, 'docs');
const typedoc = join(docs, 'node_modules/typedoc/bin/typedoc');
const entryPoints = (
  JSON.parse(readFileSync(join(docs, 'typedoc.json'), 'utf8')) as { entryPoints: string[] }
).entryPoints;

describe('API reference', () => {
  it.each(entryPoints)('%s: every export is documented, exported and links resolve', (entry) => {
    const dir = mkdtempSync(join(tmpdir(), 'polymodal-typedoc-'));
    try {
      const options = join(dir, 'typedoc.json');
      writeFileSync(
        options,
        JSON.stringify({
          entryPoints: [join(docs, entry)],
          tsconfig: join(docs, 'tsconfig.json'),
          validation: { notDocumented: true, notExported: true, invalidLink: true },
          emit: 'none',
          readme: 'none',
          disableSources: true,
          excludePrivate: true,
          // The quality gates type-check every package; TypeDoc need not do it again.
          skipErrorChecking: true,
        }),
      );
      const run = spawnSync(process.execPath, [typedoc, '--options', options], {
        cwd: docs,
        encoding: 'utf8',
      });
      // TypeDoc writes its warnings to stderr.
      expect(`${run.stdout}${run.stderr}`).not.toMatch(/warning|error/i);
      expect(run.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the markdown reference for the site generates and lists every package', () => {
    const run = spawnSync(process.execPath, [typedoc], { cwd: docs, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(`${run.stdout}${run.stderr}`).toMatch(/markdown generated/);
    const sidebar = readFileSync(join(docs, 'api/typedoc-sidebar.json'), 'utf8');
    for (const pkg of [
      '@polymodal/tensor',
      '@polymodal/distributions',
      '@polymodal/metrics',
      '@polymodal/nn',
      '@polymodal/datasets',
      '@polymodal/mdn',
      '@polymodal/flow',
      '@polymodal/samplers',
      '@polymodal/active',
    ])
      expect(sidebar).toContain(pkg);
  });

  it('the reproduction results page is the one docs/scripts/results-page.ts makes from docs/results/quick.json', async () => {
    const { resultsPage } = await import('../docs/scripts/results-page.js');
    const json = JSON.parse(readFileSync(join(docs, 'results/quick.json'), 'utf8'));
    const page = resultsPage(json, 'docs/results/quick.json');
    expect(readFileSync(join(docs, 'guide/results.md'), 'utf8')).toBe(page);
    for (const e of json.experiments as { name: string }[]) expect(page).toContain(`## ${e.name}`);
  });

  it("the guides' figures were drawn by the code blocks printed above them, as they stand", async () => {
    const { FIGURE_PAGES, codeStamp, figureBlocks } = await import('../docs/scripts/page-figures.js');
    const names: string[] = [];
    for (const page of FIGURE_PAGES) {
      const text = readFileSync(join(docs, page), 'utf8');
      const blocks = figureBlocks(text, page);
      expect(blocks.length, page).toBeGreaterThanOrEqual(1);
      for (const b of blocks) {
        expect(b.shown, `${page}: ${b.name} is shown after its block`).toBe(true);
        expect(b.code, b.name).toMatch(/^export const figure = /m);
        const svg = readFileSync(join(docs, 'public/figures', `${b.name}.svg`), 'utf8');
        expect(svg).toMatch(/^<svg/);
        // Redraw with `pnpm docs:figures --pages` after editing a block.
        expect(svg.trimEnd().endsWith(codeStamp(b.code)), `${b.name}.svg is stale`).toBe(true);
        names.push(b.name);
      }
      // Every figure these pages show comes from one of their blocks.
      for (const m of text.matchAll(/\]\(\/figures\/([\w-]+)\.svg\)/g)) expect(names).toContain(m[1]);
    }
    expect(new Set(names).size).toBe(names.length);
  });

  it("the model packages' pages show the figures docs/scripts/figures.ts drew, and every one exists", () => {
    for (const name of ['mdn', 'samplers', 'flow', 'active']) {
      expect(readFileSync(join(docs, `packages/${name}.md`), 'utf8')).toContain(`../figures/${name}.md`);
      const fragment = readFileSync(join(docs, `figures/${name}.md`), 'utf8');
      const figures = [...fragment.matchAll(/\]\(\/figures\/([\w-]+\.svg)\)/g)].map((m) => m[1] as string);
      expect(figures.length, name).toBeGreaterThanOrEqual(2);
      for (const f of figures) expect(readFileSync(join(docs, 'public/figures', f), 'utf8')).toMatch(/^<svg/);
    }
  });

  it('the site builds, and a broken internal link fails the build (VitePress)', () => {
    // Runs after the markdown reference above is generated; VitePress fails on dead links.
    const vitepress = join(docs, 'node_modules/vitepress/bin/vitepress.js');
    const run = spawnSync(process.execPath, [vitepress, 'build'], { cwd: docs, encoding: 'utf8' });
    expect(`${run.stdout}${run.stderr}`).toMatch(/build complete/);
    expect(run.status).toBe(0);
    const home = readFileSync(join(docs, '.vitepress/dist/index.html'), 'utf8');
    expect(home).toContain('sine-mdn.png');
    for (const page of [
      'guide/concepts.html',
      'guide/gpu.html',
      'guide/contributing.html',
      'packages/samplers.html',
    ])
      expect(readFileSync(join(docs, '.vitepress/dist', page), 'utf8')).toMatch(/<h1/);
  });
});
