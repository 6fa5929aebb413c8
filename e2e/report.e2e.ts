// The reproduction report (apps/cli `polymodal reproduce`) renders in headless Chromium: every
// chart is there, drawn, and the page needs no network.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { launchChromium } from './chromium.js';

const cliDir = fileURLToPath(new URL('../apps/cli', import.meta.url));
const artifacts = fileURLToPath(new URL('./artifacts', import.meta.url));

describe('polymodal reproduce report', () => {
  it('opens offline in Chromium with every chart drawn', async () => {
    const out = mkdtempSync(join(tmpdir(), 'polymodal-report-e2e-'));
    const build = spawnSync(process.execPath, ['build.mjs'], { cwd: cliDir, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    const run = spawnSync(
      process.execPath,
      ['dist/polymodal.mjs', 'reproduce', 'sine-components', '--seeds', '1', '--out', out],
      { cwd: cliDir, encoding: 'utf8', env: { ...process.env, POLYMODAL_BACKEND: 'wasm', INIT_CWD: '' } },
    );
    expect(run.status, run.stderr).toBe(0);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith('file:')) requests.push(r.url());
      });
      await page.goto(pathToFileURL(join(out, 'report.html')).href);
      const charts = await page.$$eval('figure.chart svg', (svgs) =>
        svgs.map((svg) => {
          const box = svg.getBoundingClientRect();
          return {
            width: box.width,
            height: box.height,
            marks: svg.querySelectorAll('path, circle, rect').length,
          };
        }),
      );
      expect(charts).toHaveLength(2);
      for (const c of charts) {
        expect(c.width).toBeGreaterThan(200);
        expect(c.height).toBeGreaterThan(150);
        expect(c.marks).toBeGreaterThan(10);
      }
      expect(await page.textContent('h2')).toContain('sine-components');
      expect(requests).toEqual([]);
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, 'report.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
