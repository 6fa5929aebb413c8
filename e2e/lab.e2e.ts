// The web lab (apps/lab) end to end in headless Chromium: every demo runs at small scale through
// the page (forms, the training worker, progress, charts) and its outcome is checked; a trained MDN
// goes to IndexedDB and to downloaded files and comes back the same; Stop stops; the page answers
// while a demo trains. Screenshots go to e2e/artifacts/lab-*.png.
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { build, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './chromium.js';
import { waitWhileProgressing } from './wait.js';

const lab = fileURLToPath(new URL('../apps/lab', import.meta.url));
const out = fileURLToPath(new URL('./dist-lab', import.meta.url));
const artifacts = fileURLToPath(new URL('./artifacts', import.meta.url));
// Progress-based waits decide; this only bounds a test that keeps moving forever.
const LONG = 20 * 60_000;

let browser: Browser;
let page: Page;
let close: () => Promise<void>;
let labUrl: string;

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  await build({
    root: lab,
    configFile: join(lab, 'vite.config.ts'),
    logLevel: 'error',
    build: { outDir: out, emptyOutDir: true },
  });
  const server = await preview({
    root: lab,
    configFile: join(lab, 'vite.config.ts'),
    logLevel: 'error',
    build: { outDir: out },
    preview: { host: '127.0.0.1', port: 0 },
  });
  const { port } = server.httpServer.address() as AddressInfo;
  browser = await launchChromium();
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  close = async () => {
    await browser.close();
    await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
  };
  labUrl = `http://127.0.0.1:${port}/`;
  await page.goto(labUrl);
  await waitForBackend('wasm');
}, 300_000);

afterAll(async () => {
  await close?.();
});

async function waitForBackend(name: string) {
  await waitWhileProgressing(async () => {
    const info = await page.locator('#backend-info').getAttribute('data-backend');
    const text = (await page.locator('#backend-info').textContent()) ?? '';
    if (text.includes('failed') || (await page.locator('#backend-info.failed').count()) > 0)
      throw new Error(`backend ${name}: ${text}`);
    return { done: info === name, progress: text };
  }, `backend ${name}`);
}

/** Fills a demo's form, trains, waits while it progresses, and returns its outcome. */
async function run(demo: string, settings: Record<string, string>): Promise<Record<string, unknown>> {
  await page.click(`nav button[data-tab="${demo}"]`);
  for (const [key, value] of Object.entries(settings)) {
    const field = page.locator(`#${demo}-${key}`);
    if ((await field.evaluate((e) => e.tagName)) === 'SELECT') await field.selectOption(value);
    else await field.fill(value);
  }
  await page.click(`#${demo}-run`);
  const section = page.locator(`#demo-${demo}`);
  await waitWhileProgressing(async () => {
    const state = await section.getAttribute('data-state');
    return { done: state !== 'running', progress: (await section.getAttribute('data-progress')) ?? '' };
  }, `${demo} demo`);
  const state = await section.getAttribute('data-state');
  if (state !== 'done')
    throw new Error(`${demo}: ${state}: ${await page.locator(`#${demo}-status`).textContent()}`);
  await page.screenshot({ path: join(artifacts, `lab-${demo}.png`), fullPage: true });
  return JSON.parse((await section.getAttribute('data-outcome')) as string) as Record<string, unknown>;
}

async function modelState(wanted: string): Promise<Record<string, unknown> | undefined> {
  const box = page.locator('#mdn-models');
  await waitWhileProgressing(
    async () => {
      const state = await box.getAttribute('data-state');
      if (state === 'error')
        throw new Error(`model: ${await page.locator('#mdn-models-status').textContent()}`);
      return {
        done: state === wanted,
        progress: (await page.locator('#mdn-models-status').textContent()) ?? '',
      };
    },
    `model ${wanted}`,
    { stallMs: 60_000 },
  );
  const outcome = await box.getAttribute('data-outcome');
  return outcome ? (JSON.parse(outcome) as Record<string, unknown>) : undefined;
}

describe('apps/lab in Chromium', () => {
  let trained: Record<string, unknown>;

  it(
    'MDN: trains on the sine inverse problem with a live loss curve, beside flow matching',
    async () => {
      const liveDrawn = page
        .locator('#mdn-live svg')
        .waitFor({ timeout: LONG })
        .then(() => true);
      trained = await run('mdn', { n: '1000', iterations: '1500', flowIterations: '300', components: '5' });
      expect(await liveDrawn).toBe(true);
      expect(trained.mdnLossLast as number).toBeLessThan(trained.mdnLossFirst as number);
      // A single Gaussian scores about 0.98 nats here (exact ≈ −0.02).
      expect(trained.mdnNll as number).toBeLessThan((trained.exactNll as number) + 0.6);
      expect(Number.isFinite(trained.flowNll as number)).toBe(true);
      expect(await page.locator('#mdn-charts .chart svg').count()).toBe(4);
    },
    LONG,
  );

  it(
    'the trained MDN round-trips through IndexedDB and through downloaded files',
    async () => {
      await page.click('#mdn-save-browser');
      await modelState('saved-indexeddb');
      await page.click('#mdn-load-browser');
      const fromBrowser = await modelState('loaded');
      expect(fromBrowser?.checkNll).toBe(trained.checkNll);
      const downloads: string[] = [];
      page.on('download', async (d) => {
        const path = join(artifacts, d.suggestedFilename());
        await d.saveAs(path);
        downloads.push(path);
      });
      await page.click('#mdn-download');
      await modelState('saved-download');
      await waitWhileProgressing(
        async () => ({ done: downloads.length === 2, progress: String(downloads.length) }),
        'downloads',
        { stallMs: 30_000 },
      );
      await page.evaluate(() => {
        (document.getElementById('mdn-models') as HTMLElement).dataset.state = 'none';
      });
      await page.setInputFiles('#mdn-load-files', downloads);
      const fromFiles = await modelState('loaded');
      expect(fromFiles?.checkNll).toBe(trained.checkNll);
      expect(await page.locator('#mdn-models-charts .chart svg').count()).toBe(2);
    },
    LONG,
  );

  it(
    'MDN on drawn points: two drawn branches train',
    async () => {
      await page.click('nav button[data-tab="mdn"]');
      const box = await page.locator('#mdn-pad').boundingBox();
      if (!box) throw new Error('no drawing pad');
      for (const frac of [0.25, 0.75]) {
        await page.mouse.move(box.x + 5, box.y + box.height * frac);
        await page.mouse.down();
        for (let i = 1; i <= 40; i++)
          await page.mouse.move(box.x + 5 + (i * (box.width - 10)) / 40, box.y + box.height * frac);
        await page.mouse.up();
      }
      expect(await page.locator('#mdn-pad-count').textContent()).toMatch(/^(\d+) points drawn$/);
      const count = Number(((await page.locator('#mdn-pad-count').textContent()) as string).split(' ')[0]);
      expect(count).toBeGreaterThanOrEqual(60);
      const o = await run('mdn', {
        dataset: 'drawn',
        iterations: '400',
        flowIterations: '0',
        components: '3',
      });
      // Two noiseless branches at y = ±0.75: much sharper than any single Gaussian (≈ 0.97 nats).
      expect(o.mdnNll as number).toBeLessThan(0.5);
    },
    LONG,
  );

  it(
    'Stop stops a long run, and the page answers while a demo trains',
    async () => {
      await page.click('nav button[data-tab="flow"]');
      await page.fill('#flow-iterations', '100000');
      await page.fill('#flow-components', '0');
      await page.click('#flow-run');
      const section = page.locator('#demo-flow');
      await waitWhileProgressing(
        async () => ({
          done: Number((await section.getAttribute('data-progress')) ?? 0) > 0.01,
          progress: (await page.locator('#flow-status').textContent()) ?? '',
        }),
        'flow start',
      );
      // Training is in the worker: the main thread answers at once.
      const started = Date.now();
      await page.evaluate(() => document.title);
      expect(Date.now() - started).toBeLessThan(2000);
      await page.click('#flow-stop');
      await waitWhileProgressing(
        async () => ({
          done: (await section.getAttribute('data-state')) !== 'running',
          progress: 'stopping',
        }),
        'stop',
        { stallMs: 60_000 },
      );
      expect(await section.getAttribute('data-state')).toBe('stopped');
    },
    LONG,
  );

  it(
    'flow matching and MixFlow on the eight Gaussians',
    async () => {
      const o = await run('flow', { toy: 'eight-gaussians', n: '1500', iterations: '800', components: '8' });
      expect(o.flowEnergy as number).toBeLessThan(0.06);
      expect(o.mixflowEnergy as number).toBeLessThan(0.1);
      expect(await page.locator('#flow-charts .chart svg').count()).toBe(4);
    },
    LONG,
  );

  it(
    'the sampler finds both modes of B1 and weighs them within error of the exact masses',
    async () => {
      const o = await run('sampler', {
        target: 'well-separated',
        starts: '100',
        burnIn: '200',
        generatorIterations: '150',
      });
      expect(o.modes).toBe(2);
      expect(o.maxZ as number).toBeLessThan(4);
      expect(await page.locator('#sampler-charts .chart svg').count()).toBe(3);
    },
    LONG,
  );

  it(
    'active learning: MI-LB picks points round by round and the test NLL falls',
    async () => {
      const o = await run('active', {
        pool: '400',
        initial: '20',
        rounds: '2',
        batchSize: '20',
        members: '2',
        maxIterations: '300',
      });
      expect(o.picked).toBe(40);
      const nll = o.nll as number[];
      expect(nll.at(-1) as number).toBeLessThan(nll[0] as number);
      expect(await page.locator('#active-charts .chart svg').count()).toBe(3);
    },
    LONG,
  );

  it(
    'the backend picker switches to WebGL and the MDN trains there',
    async () => {
      await page.selectOption('#backend', 'webgl');
      await waitForBackend('webgl');
      const o = await run('mdn', {
        dataset: 'sine-inverse',
        n: '500',
        iterations: '300',
        flowIterations: '0',
      });
      expect(o.mdnLossLast as number).toBeLessThan(o.mdnLossFirst as number);
      expect(await page.locator('#backend-info').textContent()).toContain('webgl');
    },
    LONG,
  );

  it(
    'flow matching and the sampler run on WebGL too',
    async () => {
      const f = await run('flow', { toy: 'eight-gaussians', n: '500', iterations: '200', components: '0' });
      expect(f.flowLossLast as number).toBeLessThan(f.flowLossFirst as number);
      expect(f.flowEnergy as number).toBeLessThan(f.sourceEnergy as number);
      const s = await run('sampler', {
        target: 'well-separated',
        starts: '60',
        burnIn: '100',
        generatorIterations: '60',
      });
      expect(s.modes).toBe(2);
      expect(s.maxZ as number).toBeLessThan(4);
      expect(await page.locator('#backend-info').getAttribute('data-backend')).toBe('webgl');
    },
    LONG,
  );
});

// A second Chromium with a WebGPU adapter (SwiftShader's software Vulkan; headless Chromium has
// none by default): the three model demos train and sample on tfjs's webgpu backend in the worker.
describe('apps/lab on WebGPU in Chromium', () => {
  let gpuBrowser: Browser | undefined;
  beforeAll(async () => {
    gpuBrowser = await launchChromium({ webgpu: true });
    page = await gpuBrowser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => console.error('page error (webgpu):', e.message));
    await page.goto(labUrl);
    await page.selectOption('#backend', 'webgpu');
    await waitForBackend('webgpu');
  }, 300_000);
  afterAll(async () => {
    await gpuBrowser?.close();
  });

  it(
    'the MDN, flow matching and the sampler run on WebGPU',
    async () => {
      expect(await page.locator('#backend-info').textContent()).toContain('webgpu');
      const m = await run('mdn', {
        dataset: 'sine-inverse',
        n: '300',
        iterations: '150',
        flowIterations: '0',
      });
      expect(m.mdnLossLast as number).toBeLessThan(m.mdnLossFirst as number);
      const f = await run('flow', { toy: 'eight-gaussians', n: '300', iterations: '100', components: '0' });
      expect(f.flowLossLast as number).toBeLessThan(f.flowLossFirst as number);
      const s = await run('sampler', {
        target: 'well-separated',
        starts: '60',
        burnIn: '50',
        draws: '50',
        pairs: '200',
        generatorIterations: '60',
      });
      expect(s.modes).toBe(2);
      expect(s.maxZ as number).toBeLessThan(4);
      expect(await page.locator('#backend-info').getAttribute('data-backend')).toBe('webgpu');
      await page.screenshot({ path: join(artifacts, 'lab-webgpu.png'), fullPage: true });
    },
    LONG,
  );
});
