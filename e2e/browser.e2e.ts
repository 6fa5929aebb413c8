// Browser end-to-end test: bundles e2e/page with Vite, serves it on loopback, and drives Debian's
// Chromium (apt-get install chromium) headless through playwright-core.
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './chromium.js';
import { waitWhileProgressing } from './wait.js';

const page = fileURLToPath(new URL('./page', import.meta.url));
const out = fileURLToPath(new URL('./dist', import.meta.url));
interface BackendResult {
  name: string;
  lse: number[];
  softplus: number[];
  ndtri: number[];
  grad: number[];
}
interface PageResult {
  error?: string;
  auto?: { name: string; tried: string[]; environment: string };
  webgl?: BackendResult;
  wasm?: BackendResult;
  cpu?: BackendResult;
  nn?: { backend: string; loss: number; progress: number[]; same: boolean };
  mdn?: { backend: string; path: string; nll: number; exact: number; same: boolean };
  host?: {
    isolated: boolean;
    paths: string[];
    threads: number[];
    lossVsDevice: number;
    weightsVsDevice: number;
    threadsSame: boolean;
  };
  mdnHost?: { path: string; threads: number; lossVsDevice: number; nll: number; exact: number };
  flowHost?: { path: string; mean: number; sd: number; fusedDiff: number; relaxed: boolean };
}
let result: PageResult;
let close: () => Promise<void>;

beforeAll(async () => {
  await build({
    root: page,
    logLevel: 'error',
    resolve: { conditions: ['@polymodal/source'] },
    build: { outDir: out, emptyOutDir: true },
  });
  const server = await preview({
    root: page,
    logLevel: 'error',
    build: { outDir: out },
    // Cross-origin isolation, so SharedArrayBuffer exists and the host path can use Web Workers.
    preview: {
      host: '127.0.0.1',
      port: 0,
      headers: {
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Cross-Origin-Embedder-Policy': 'require-corp',
      },
    },
  });
  const { port } = server.httpServer.address() as AddressInfo;
  const browser = await launchChromium();
  close = async () => {
    await browser.close();
    await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
  };
  const tab = await browser.newPage();
  await tab.goto(`http://127.0.0.1:${port}/`);
  // Waits while the page keeps finishing stages (none takes 150 s even on a busy 2-core machine).
  await waitWhileProgressing(
    () =>
      tab.evaluate(() => {
        const w = window as unknown as { __result?: unknown; __stage?: string };
        return { done: w.__result !== undefined, progress: w.__stage ?? '' };
      }),
    'browser page',
    { stallMs: 150_000 },
  );
  result = (await tab.evaluate(() => (window as unknown as { __result: unknown }).__result)) as typeof result;
}, 20 * 60_000);

afterAll(async () => {
  await close?.();
});

describe('@polymodal/tensor, nn and mdn in Chromium', () => {
  it("'auto' walks webgpu → webgl in a browser", () => {
    expect(result.error).toBeUndefined();
    expect(result.auto?.environment).toBe('browser');
    expect(result.auto?.tried).toEqual(['webgpu']);
    expect(result.auto?.name).toBe('webgl');
  });

  it('an Mlp trains on WebGL and round-trips through IndexedDB bit-exactly', () => {
    expect(result.nn?.backend).toBe('webgl');
    expect(result.nn?.loss).toBeLessThan(0.01);
    expect(result.nn?.progress).toEqual([100, 200, 300]);
    expect(result.nn?.same).toBe(true);
  });

  it('a MixtureDensityNetwork trains on WebGL close to the exact density and round-trips through IndexedDB', () => {
    expect(result.mdn?.backend).toBe('webgl');
    expect(result.mdn?.path).toBe('device');
    // 2000 iterations (SwiftShader WebGL is slow): 0.45 against an exact −0.02, as on wasm and cpu in
    // Node with the same seed and budget (0.37–0.42); a one-Gaussian fit scores about 0.98.
    expect(result.mdn?.nll).toBeLessThan((result.mdn?.exact as number) + 0.6);
    expect(result.mdn?.same).toBe(true);
  });

  it('Chromium runs the relaxed-SIMD kernels, which every host-path test here then checks', () => {
    // Relaxed SIMD shipped in Chrome 114; Node 20 needs a flag (dense_wasm.test.ts runs it so).
    expect(result.flowHost?.relaxed).toBe(true);
  });

  it("fit()'s host path (WebAssembly SIMD kernels, Web Workers) trains like the device path", () => {
    const h = result.host;
    expect(h?.paths).toEqual(['device', 'host', 'host']);
    expect(h?.isolated).toBe(true);
    expect(h?.threads).toEqual([1, 2]);
    // As in Node (stepper.test.ts): the same minibatches, float32 rounding apart.
    expect(h?.lossVsDevice).toBeLessThan(1e-4);
    expect(h?.weightsVsDevice).toBeLessThan(3e-5);
    expect(h?.threadsSame).toBe(true);
  });

  it("a MixtureDensityNetwork's default fit on wasm takes the host path with its kernel loss", () => {
    const m = result.mdnHost;
    expect(m?.path).toBe('host');
    expect(m?.threads).toBe(2);
    // 100 steps from the same seed: the wasm kernels follow the tfjs loss curve (float32 apart).
    expect(m?.lossVsDevice).toBeLessThan(1e-5);
    expect(m?.nll).toBeLessThan((m?.exact as number) + 0.6);
  });

  it('flow matching trains on the fused host step and samples on fusedForward', () => {
    const f = result.flowHost;
    expect(f?.path).toBe('host');
    // N(2, 0.5²): in Node the same recipe lands within 0.05 of both (Monte Carlo error 0.008).
    expect(Math.abs((f?.mean as number) - 2)).toBeLessThan(0.1);
    expect(Math.abs((f?.sd as number) - 0.5)).toBeLessThan(0.07);
    expect(f?.fusedDiff).toBeLessThan(1e-4);
  });

  it.each(['webgl', 'wasm', 'cpu'] as const)('numerics agree on %s', (backend) => {
    const r = result[backend];
    expect(r?.name).toBe(backend);
    const [a, b, c] = r?.lse ?? [];
    expect(a).toBeCloseTo(0, 6);
    expect(b).toBe(-Infinity);
    expect(c).toBeCloseTo(1000 + Math.LN2, 3);
    expect(r?.softplus[0]).toBeGreaterThanOrEqual(0);
    expect(r?.softplus[1]).toBeCloseTo(Math.LN2, 6);
    expect(r?.softplus[2]).toBeCloseTo(100, 4);
    expect(r?.ndtri[0]).toBeCloseTo(-4.753424308822899, 4);
    expect(r?.ndtri[1]).toBeCloseTo(0, 6);
    expect(r?.ndtri[2]).toBeCloseTo(1.959963984540054, 4);
    expect(r?.grad[0]).toBeCloseTo(0.25, 6);
    expect(r?.grad[1]).toBeCloseTo(0.75, 6);
  });
});
