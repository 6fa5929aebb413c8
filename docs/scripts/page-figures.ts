// Figures made by the code on the page. A guide marks a ```ts block with `<!-- figure: NAME -->`
// on the line above; the block, as printed, exports `figure` (a chart: kind, title, data, axes) and
// the page shows `/figures/NAME.svg` after it. drawPageFigures runs each marked block unchanged
// and renders its `figure` with the CLI report's chart specs. The test suite runs the same blocks
// in a user project (test/pack-install.test.ts), so the code beside a figure cannot rot either.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Chart, lineChart, scatterChart } from '@polymodal/cli/charts';
import { renderSvg } from '@polymodal/cli/render';

/** A marked code block of a page. */
export interface FigureBlock {
  /** The page, relative to docs/. */
  page: string;
  /** The figure's name: the block draws `/figures/<name>.svg`. */
  name: string;
  code: string;
  /** Whether the page shows the figure after the block. */
  shown: boolean;
}

/** The pages that may hold figure blocks, relative to docs/. */
export const FIGURE_PAGES = [
  'guide/getting-started.md',
  'packages/nn.md',
  'packages/distributions.md',
  'packages/metrics.md',
  'packages/datasets.md',
];

/** The figure blocks of one page's markdown. */
export function figureBlocks(markdown: string, page: string): FigureBlock[] {
  return [...markdown.matchAll(/<!-- figure: ([\w-]+) -->\n```ts\n([\s\S]*?)```/g)].map((m) => {
    const name = m[1] as string;
    const after = markdown.slice((m.index ?? 0) + m[0].length);
    return {
      page,
      name,
      code: m[2] as string,
      // The image comes after the block, before the next heading.
      shown: (after.split(/\n#{1,3} /)[0] ?? '').includes(`](/figures/${name}.svg)`),
    };
  });
}

/**
 * The stamp a drawn SVG ends with: the hash of the code that drew it, so the test suite can tell a
 * figure whose code block changed since it was drawn.
 */
export function codeStamp(code: string): string {
  return `<!-- drawn by its page's code block, sha256 ${createHash('sha256').update(code).digest('hex')} -->`;
}

type LineFigure = { kind: 'line' } & Parameters<typeof lineChart>[0];
type ScatterFigure = { kind: 'scatter' } & Parameters<typeof scatterChart>[0];

function toChart(value: unknown, where: string): Chart {
  const f = value as Partial<LineFigure | ScatterFigure> | undefined;
  if (!f || typeof f.title !== 'string' || !Array.isArray(f.data) || f.data.length === 0)
    throw new Error(`${where}: the block must export \`figure\` with a title and non-empty data.`);
  const { kind, ...options } = f;
  if (kind === 'line') return lineChart(options as Parameters<typeof lineChart>[0]);
  if (kind === 'scatter') return scatterChart(options as Parameters<typeof scatterChart>[0]);
  throw new Error(`${where}: figure.kind must be 'line' or 'scatter', got ${String(kind)}.`);
}

/**
 * Runs every figure block of the pages and writes its SVG to docs/public/figures/, through
 * `compact` (the caller's size reduction). The blocks run in this process, from docs/scripts/, so
 * they resolve the workspace packages as the docs package does.
 */
export async function drawPageFigures(docs: string, compact: (svg: string) => string): Promise<void> {
  for (const page of FIGURE_PAGES) {
    for (const block of figureBlocks(readFileSync(join(docs, page), 'utf8'), page)) {
      const where = `${page} figure ${block.name}`;
      if (!block.shown) throw new Error(`${where}: the page does not show /figures/${block.name}.svg.`);
      const file = join(docs, 'scripts', `.figure-${block.name}.ts`);
      writeFileSync(file, block.code);
      try {
        const module = (await import(pathToFileURL(file).href)) as { figure?: unknown };
        const chart = toChart(module.figure, where);
        const svg = `${compact(await renderSvg(chart))}\n${codeStamp(block.code)}\n`;
        writeFileSync(join(docs, 'public/figures', `${block.name}.svg`), svg);
        console.log(`${where}: drawn`);
      } finally {
        rmSync(file, { force: true });
      }
    }
  }
}
