// The documentation site renders in headless Chromium: the home page with its picture, a guide and an
// API page, served from a fresh `vitepress build` over loopback (the pages use absolute paths).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { launchChromium } from './chromium.js';

const docs = fileURLToPath(new URL('../docs', import.meta.url));
const dist = join(docs, '.vitepress/dist');
const artifacts = fileURLToPath(new URL('./artifacts', import.meta.url));
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

describe('documentation site', () => {
  it('renders the home page, a guide and an API page', async () => {
    for (const [bin, args] of [
      ['node_modules/typedoc/bin/typedoc', []],
      ['node_modules/vitepress/bin/vitepress.js', ['build']],
    ] as const) {
      const run = spawnSync(process.execPath, [bin, ...args], { cwd: docs, encoding: 'utf8' });
      expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
    }
    // A static server for the built site: clean URLs map to .html files.
    const server = createServer((req, res) => {
      const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
      let file = join(dist, path);
      if (!file.startsWith(dist)) return void res.writeHead(403).end();
      if (path.endsWith('/')) file = join(file, 'index.html');
      else if (!extname(file) && existsSync(`${file}.html`)) file = `${file}.html`;
      if (!existsSync(file)) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(readFileSync(file));
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const failed: string[] = [];
      page.on('requestfailed', (r) => failed.push(r.url()));
      page.on('response', (r) => {
        if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
      });
      mkdirSync(artifacts, { recursive: true });

      await page.goto(`${base}/`);
      await page.waitForSelector('.VPHero');
      expect(await page.textContent('.VPHero')).toContain('Multimodal scientific ML');
      const picture = await page.$eval('.VPHero img', (img) => (img as HTMLImageElement).naturalWidth);
      expect(picture).toBeGreaterThan(500); // the learned density, loaded
      expect(await page.$$eval('.VPFeature', (f) => f.length)).toBe(5); // four papers and the lab
      await page.screenshot({ path: join(artifacts, 'docs-home.png'), fullPage: true });

      await page.goto(`${base}/guide/concepts`);
      await page.waitForSelector('.vp-doc h1');
      expect(await page.textContent('.vp-doc h1')).toContain('Concepts');
      expect(
        await page.$$eval('.vp-doc img', (imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth)),
      ).toEqual([expect.any(Number)]);
      await page.screenshot({ path: join(artifacts, 'docs-concepts.png'), fullPage: true });

      // A package page shows the figures docs/scripts/figures.ts drew, loaded.
      await page.goto(`${base}/packages/mdn`);
      await page.waitForSelector('.vp-doc h1');
      expect(
        await page.$$eval('.vp-doc img[src*="/figures/"]', (imgs) =>
          imgs.map((i) => (i as HTMLImageElement).naturalWidth > 0),
        ),
      ).toEqual([true, true, true]);

      await page.goto(`${base}/api/@polymodal/mdn/classes/MixtureDensityNetwork`);
      await page.waitForSelector('.vp-doc h1');
      expect(await page.textContent('.vp-doc')).toContain('fit');
      await page.screenshot({ path: join(artifacts, 'docs-api.png') });

      // Client-side navigation from the sidebar works too.
      await page.click('a[href="/guide/getting-started.html"], a[href="/guide/getting-started"]');
      await page.waitForFunction(() => location.pathname.startsWith('/guide/getting-started'));
      expect(await page.textContent('.vp-doc h1')).toContain('Getting started');
      // The figure drawn by the page's own code block, loaded.
      await page.waitForFunction(() =>
        Array.from(document.querySelectorAll<HTMLImageElement>('.vp-doc img[src*="/figures/"]')).some(
          (i) => i.complete && i.naturalWidth > 0,
        ),
      );
      await page.screenshot({ path: join(artifacts, 'docs-getting-started.png'), fullPage: true });
      expect(failed).toEqual([]);
    } finally {
      await browser.close();
      server.close();
    }
  });
});
