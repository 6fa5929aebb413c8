// Runs in headless Chromium: the browser backend chain and numerics on every browser backend.

import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import * as tf from '@tensorflow/tfjs-core';
import { type BackendName, initBackend, logSumExp, ndtri, softplus } from '../../src/index.js';

const wasmPaths = {
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
};

async function numerics(backend: BackendName) {
  const info = await initBackend({ backend, wasmPaths });
  const lse = logSumExp(
    tf.tensor2d([
      [0, -Infinity],
      [-Infinity, -Infinity],
      [1000, 1000],
    ]),
    1,
  );
  const sp = softplus(tf.tensor1d([-100, 0, 100]));
  const q = ndtri(tf.tensor1d([1e-6, 0.5, 0.975]));
  const g = tf.grad((x: tf.Tensor) => tf.sum(logSumExp(x, 1)))(tf.tensor2d([[0, Math.log(3)]]));
  return {
    name: info.name,
    lse: Array.from(await lse.data()),
    softplus: Array.from(await sp.data()),
    ndtri: Array.from(await q.data()),
    grad: Array.from(await g.data()),
  };
}

async function main() {
  const auto = await initBackend({ wasmPaths });
  const results: Record<string, unknown> = {
    auto: { name: auto.name, tried: auto.tried.map((t) => t.backend), environment: auto.environment },
  };
  for (const backend of ['webgl', 'wasm', 'cpu'] as const) results[backend] = await numerics(backend);
  return results;
}

main().then(
  (r) => {
    (window as unknown as { __result: unknown }).__result = r;
    (document.getElementById('out') as HTMLElement).textContent = JSON.stringify(r, null, 2);
  },
  (e: unknown) => {
    (window as unknown as { __result: unknown }).__result = { error: String(e) };
  },
);
