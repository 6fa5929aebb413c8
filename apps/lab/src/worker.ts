// The lab's training worker: every tensor lives here, so the page stays responsive while a demo
// trains. One job at a time; `stop` aborts it through its AbortSignal.
import { sineInverse } from '@polymodal/datasets';
import { MixtureDensityNetwork } from '@polymodal/mdn';
import { initBackend } from '@polymodal/tensor';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
// Registers the webgpu backend for the picker (and 'auto', which tries it first) where the browser has WebGPU.
import '@tensorflow/tfjs-backend-webgpu';
import { runActiveDemo } from './demos/active.js';
import type { DemoContext, DemoResult } from './demos/demo.js';
import { fmt } from './demos/demo.js';
import { runFlowDemo } from './demos/flow.js';
import { describeMdn, runMdnDemo } from './demos/mdn.js';
import { runSamplerDemo } from './demos/sampler.js';
import { BROWSER_LOCATION, fromFiles, toFiles } from './model_store.js';
import type { DemoName, LabBackend, Reply, Request } from './protocol.js';

const wasmPaths = {
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
};

// The page is cross-origin isolated (polymodal's kernel workers share memory), which makes
// tfjs-backend-wasm 4.22 pick its threaded build, whose pthread workers fail inside a Vite bundle:
// keep tfjs's own wasm single-threaded (polymodal's kernels still use two threads).
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);

const post = (reply: Reply, transfer: Transferable[] = []) =>
  (self as unknown as Worker).postMessage(reply, transfer);

let running: { demo: DemoName; controller: AbortController } | undefined;
let model: MixtureDensityNetwork | undefined;

async function setBackend(backend: LabBackend) {
  const info = await initBackend({ backend, wasmPaths });
  post({
    type: 'backend',
    info: { name: info.name, reason: info.reason, tried: info.tried.map((t) => `${t.backend}: ${t.error}`) },
  });
}

async function run(demo: DemoName, settings: Record<string, number | string>, points?: number[][]) {
  const controller = new AbortController();
  running = { demo, controller };
  const context: DemoContext = {
    signal: controller.signal,
    onProgress: (progress) => post({ type: 'progress', demo, progress }),
  };
  const started = performance.now();
  try {
    let result: DemoResult;
    if (demo === 'mdn') {
      const out = await runMdnDemo(settings, context, points);
      model?.dispose();
      model = out.model;
      result = out.result;
      result.outcome.checkNll = await sineCheck(out.model);
    } else if (demo === 'sampler') result = await runSamplerDemo(settings, context);
    else if (demo === 'flow') result = await runFlowDemo(settings, context);
    else result = await runActiveDemo(settings, context);
    post({ type: 'done', demo, result, seconds: (performance.now() - started) / 1000 });
  } catch (error) {
    if (controller.signal.aborted) post({ type: 'stopped', demo });
    else post({ type: 'error', about: demo, message: messageOf(error) });
  } finally {
    running = undefined;
  }
}

/** The test NLL of a model on a fixed sine-inverse test set: equal before saving and after loading. */
async function sineCheck(m: MixtureDensityNetwork): Promise<number> {
  if (m.config.inputDim !== 1 || m.config.outputDim !== 1) return Number.NaN;
  const test = sineInverse(500, { seed: 12_345 });
  const mean = tf.tidy(() => tf.neg(tf.mean(m.logProb(test.x, test.y))));
  const v = (await mean.data())[0] as number;
  tf.dispose([mean, test.x, test.y]);
  return v;
}

async function save(to: 'indexeddb' | 'download') {
  if (model === undefined) throw new Error('Train an MDN (or load one) first: there is no model to save.');
  if (to === 'indexeddb') {
    await model.save(BROWSER_LOCATION);
    post({ type: 'saved', to });
  } else {
    const files = await toFiles(model);
    post({ type: 'saved', to, files }, [files.weights]);
  }
}

async function load(request: Extract<Request, { type: 'load' }>) {
  const loaded =
    request.from === 'indexeddb'
      ? await MixtureDensityNetwork.load(BROWSER_LOCATION)
      : await fromFiles(request.files);
  model?.dispose();
  model = loaded;
  const { charts, summary } = await describeMdn(loaded);
  const checkNll = await sineCheck(loaded);
  post({
    type: 'loaded',
    charts,
    summary: [...summary, ['test NLL on the fixed sine-inverse check set', fmt(checkNll)]],
    outcome: { checkNll },
  });
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** What a request is about, for the page to show its error in the right place. */
const aboutOf = (request: Request) =>
  request.type === 'backend' ? 'backend' : request.type === 'run' ? request.demo : 'model';

self.onmessage = (event: MessageEvent<Request>) => {
  const request = event.data;
  if (request.type === 'stop') {
    running?.controller.abort();
    return;
  }
  if (running !== undefined) {
    post({
      type: 'error',
      about: aboutOf(request),
      message: `The ${running.demo} demo is still running: stop it first.`,
    });
    return;
  }
  const job =
    request.type === 'backend'
      ? setBackend(request.backend)
      : request.type === 'run'
        ? run(request.demo, request.settings, request.points)
        : request.type === 'save'
          ? save(request.to)
          : load(request);
  job.catch((error: unknown) => post({ type: 'error', about: aboutOf(request), message: messageOf(error) }));
};
