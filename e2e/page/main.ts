// Runs in headless Chromium: the browser backend chain and numerics on every browser backend.

import { sineInverse, sineInverseLogProb } from '@polymodal/datasets';
import { FlowMatching } from '@polymodal/flow';
import { MixtureDensityNetwork } from '@polymodal/mdn';
import {
  adam,
  EnsembleMlp,
  fit,
  fusedForward,
  type HostLoss,
  Mlp,
  relaxedSimdAvailable,
  warmupExponentialDecay,
} from '@polymodal/nn';
import { type BackendName, initBackend, logSumExp, ndtri, softplus } from '@polymodal/tensor';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';

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

/** Trains an Mlp on WebGL, saves it to IndexedDB, loads it back and compares predictions. */
async function trainSaveLoad() {
  await initBackend({ backend: 'webgl', wasmPaths });
  const x = tf.randomUniform([128, 1], -1, 1, 'float32', 1);
  const y = tf.add(tf.mul(x, 2), 1);
  const net = new Mlp({ inputDim: 1, outputDim: 1, hiddenUnits: [16], activation: 'tanh', seed: 0 });
  const progress: number[] = [];
  const result = await fit({
    variables: net.trainableVariables,
    data: [x, y],
    loss: ([a, b]) => tf.mean(tf.squaredDifference(net.apply(a as tf.Tensor2D), b as tf.Tensor)) as tf.Scalar,
    optimizer: adam({ learningRate: 1e-2 }),
    iterations: 300,
    checkEvery: 100,
    onProgress: (p) => {
      progress.push(p.iteration);
    },
    seed: 0,
  });
  await net.save('indexeddb://polymodal-e2e');
  const back = await Mlp.load('indexeddb://polymodal-e2e');
  const a = await net.apply(x as tf.Tensor2D).data();
  const b = await back.apply(x as tf.Tensor2D).data();
  return {
    backend: tf.getBackend(),
    loss: result.history.loss.at(-1),
    progress,
    same: a.every((v, i) => v === b[i]),
  };
}

/**
 * A mixture density network on WebGL (the device path: no TypeScript kernels there): trains on the
 * sine inverse problem, is compared with the exact conditional density, and round-trips through
 * IndexedDB.
 */
async function mdnOnWebgl() {
  await initBackend({ backend: 'webgl', wasmPaths });
  const train = sineInverse(1000, { seed: 0 });
  const test = sineInverse(1000, { seed: 1 });
  const mdn = new MixtureDensityNetwork({
    inputDim: 1,
    outputDim: 1,
    components: 5,
    hiddenUnits: [64, 64],
    seed: 0,
  });
  const fitted = await mdn.fit(train.x, train.y, {
    iterations: 2000,
    learningRate: warmupExponentialDecay({ peak: 3e-3, warmupSteps: 100, decayRate: 0.9, decaySteps: 100 }),
    seed: 0,
  });
  const lp = mdn.logProb(test.x, test.y);
  const exact = sineInverseLogProb(test.x, test.y);
  const mean = async (t: tf.Tensor) => -((await tf.mean(t).data())[0] as number);
  await mdn.save('indexeddb://polymodal-e2e-mdn');
  const back = await MixtureDensityNetwork.load('indexeddb://polymodal-e2e-mdn');
  const lp2 = back.logProb(test.x, test.y);
  const a = await lp.data();
  const b = await lp2.data();
  return {
    backend: tf.getBackend(),
    path: fitted.path,
    nll: await mean(lp),
    exact: await mean(exact),
    same: a.every((v, i) => v === b[i]),
  };
}

/**
 * The host path in the browser's WebAssembly engine: an ensemble trained with the kernels (MSE
 * kernel loss) on one thread and on two (Web Workers, where the page is cross-origin isolated),
 * against the same training on the tfjs device path.
 */
async function hostPath() {
  await initBackend({ backend: 'wasm', wasmPaths });
  const x = tf.randomUniform([96, 1], -1.5, 1.5, 'float32', 1);
  const y = tf.sin(tf.mul(x, 2));
  const run = async (path: 'host' | 'device', threads: number) => {
    const net = new EnsembleMlp({
      inputDim: 1,
      outputDim: 1,
      hiddenUnits: [24, 24],
      activation: 'gelu',
      members: 3,
      seed: 4,
    });
    const hostMse: HostLoss = (out, batch, rows, grad) => {
      const t = batch[1] as Float32Array;
      let l = 0;
      for (let i = 0; i < out.length; i++) {
        const d = (out[i] as number) - (t[i % rows] as number);
        l += (d * d) / rows;
        grad[i] = (2 * d) / rows;
      }
      return l;
    };
    const optimizer = adam({ learningRate: 1e-2 });
    const r = await fit({
      variables: net.trainableVariables,
      data: [x, y],
      loss: ([a, b]) =>
        tf.sum(tf.mean(tf.squaredDifference(net.apply(a as tf.Tensor), b as tf.Tensor), [1, 2])) as tf.Scalar,
      host: { model: net, loss: hostMse, kernelLoss: { kind: 'mse', target: 1 }, path, threads },
      optimizer,
      iterations: 60,
      batchSize: 32,
      checkEvery: 20,
      seed: 3,
    });
    const weights = net.getWeights().flatMap((w) => Array.from(w.dataSync()));
    net.dispose();
    optimizer.dispose();
    return { path: r.path, threads: r.threads, loss: r.history.loss, weights };
  };
  const device = await run('device', 1);
  const one = await run('host', 1);
  const two = await run('host', 2);
  const rel = (a: number[], b: number[]) =>
    Math.max(...a.map((v, i) => Math.abs(v - (b[i] as number)) / Math.abs(b[i] as number)));
  return {
    isolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
    paths: [device.path, one.path, two.path],
    threads: [one.threads, two.threads],
    lossVsDevice: rel(one.loss, device.loss),
    weightsVsDevice: Math.max(...one.weights.map((v, i) => Math.abs(v - (device.weights[i] as number)))),
    threadsSame:
      two.loss.every((v, i) => v === one.loss[i]) && two.weights.every((v, i) => v === one.weights[i]),
  };
}

/**
 * The MDN's default fit on wasm (the host path with its mixture-NLL kernel loss, two members on
 * two threads) against the tfjs device path, and its test NLL against the exact density.
 */
async function mdnOnWasmHost() {
  await initBackend({ backend: 'wasm', wasmPaths });
  const train = sineInverse(1000, { seed: 0 });
  const test = sineInverse(1000, { seed: 1 });
  const run = async (path: 'auto' | 'device', iterations: number) => {
    const mdn = new MixtureDensityNetwork({
      inputDim: 1,
      outputDim: 1,
      components: 5,
      hiddenUnits: [64, 64],
      members: 2,
      seed: 0,
    });
    const fitted = await mdn.fit(train.x, train.y, { iterations, learningRate: 3e-3, seed: 0, path });
    const nll = -((await tf.mean(mdn.logProb(test.x, test.y)).data())[0] as number);
    mdn.dispose();
    return { path: fitted.path, threads: fitted.threads, loss: fitted.history.loss, nll };
  };
  // Mixture training drifts chaotically after a few hundred steps (in Node too, on every path:
  // host, hybrid and device differ by 0.02 at step 300 and by 6e−7 at step 100), so compare early.
  const host = await run('auto', 100);
  const device = await run('device', 100);
  const long = await run('auto', 2000);
  return {
    path: host.path,
    threads: long.threads,
    lossVsDevice: Math.max(...host.loss.map((v, i) => Math.abs(v - (device.loss[i] as number)))),
    nll: long.nll,
    exact: -((await tf.mean(sineInverseLogProb(test.x, test.y)).data())[0] as number),
  };
}

/** Flow matching on the fused host step (host-built minibatches), sampling on fusedForward. */
async function flowOnWasmHost() {
  await initBackend({ backend: 'wasm', wasmPaths });
  const x1 = tf.tidy(() => tf.add(tf.mul(tf.randomNormal([2000, 1], 0, 1, 'float32', 7), 0.5), 2));
  const fm = new FlowMatching({
    dim: 1,
    coupling: 'independent',
    hiddenUnits: [32, 32],
    normalize: false,
    seed: 0,
  });
  const fitted = await fm.fit(x1 as tf.Tensor2D, {
    iterations: 1500,
    batchSize: 256,
    learningRate: 3e-3,
    seed: 1,
  });
  const draws = fm.sample(4000, { steps: 100, seed: 3 });
  const v = Array.from((await draws.data()) as Float32Array);
  tf.dispose([x1, draws]);
  fm.dispose();
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1));
  // The fused forward against the tfjs forward of the same ensemble.
  const net = new EnsembleMlp({
    inputDim: 3,
    outputDim: 2,
    hiddenUnits: [16, 16],
    members: 2,
    activation: 'silu',
    seed: 0,
  });
  const fused = fusedForward(net);
  if (fused === undefined) throw new Error('fusedForward: no WebAssembly SIMD in this browser');
  const x = tf.randomNormal([100, 3], 0, 1, 'float32', 2) as tf.Tensor2D;
  const a = (await fused.apply(x).data()) as Float32Array;
  const b = (await net.apply(x).data()) as Float32Array;
  fused.dispose();
  net.dispose();
  x.dispose();
  return {
    path: fitted.path,
    mean,
    sd,
    fusedDiff: Math.max(...a.map((u, i) => Math.abs(u - (b[i] as number)))),
    relaxed: relaxedSimdAvailable(),
  };
}

async function main() {
  // The page is cross-origin isolated (for polymodal's kernel workers), which makes
  // tfjs-backend-wasm 4.22 pick its threaded build, whose pthread workers fail inside a Vite
  // bundle ("e is not defined") and hang its initialisation: keep tfjs's wasm single-threaded.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  const auto = await initBackend({ wasmPaths });
  const results: Record<string, unknown> = {
    auto: { name: auto.name, tried: auto.tried.map((t) => t.backend), environment: auto.environment },
  };
  // Each finished stage is published, so the test waits while stages keep finishing.
  const stage = (name: string) => {
    (window as unknown as { __stage?: string }).__stage = name;
  };
  for (const backend of ['webgl', 'wasm', 'cpu'] as const) {
    results[backend] = await numerics(backend);
    stage(backend);
  }
  results.nn = await trainSaveLoad();
  stage('nn');
  results.mdn = await mdnOnWebgl();
  stage('mdn');
  results.host = await hostPath();
  stage('host');
  results.mdnHost = await mdnOnWasmHost();
  stage('mdnHost');
  results.flowHost = await flowOnWasmHost();
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
