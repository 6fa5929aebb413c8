// The prepared GPU check (issue: GPU route). On a machine with a GPU it installs nothing: it uses the
// workspace's `webgpu` (Dawn) and @tensorflow/tfjs-backend-webgpu, times the saddle-node MDN
// training step, the flow-matching step and 10⁵-point sampling on WebGPU, and prints them beside
// the CPU path (wasm with polymodal's fused kernels) in a table. Run: `bash apps/cli/bench/gpu.sh`
// (`--quick` for a small smoke run, as on a CPU-only machine over llvmpipe).
import { FlowMatching, mdnPaperCfmBaseline } from '@polymodal/flow';
import { MixtureDensityNetwork } from '@polymodal/mdn';
import { type BackendInfo, initBackend } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';

const quick = process.argv.includes('--quick');
// The saddle-node workload of the MDN paper (spec): E = 12, K = 15, 5 × 256 GELU, batch 128, D = 20.
const S = quick
  ? { members: 2, components: 3, hidden: [32, 32], batch: 64, n: 512, draws: 10_000, seconds: 3 }
  : {
      members: 12,
      components: 15,
      hidden: [256, 256, 256, 256, 256],
      batch: 128,
      n: 10_000,
      draws: 100_000,
      seconds: 20,
    };
const D = 20;

function data(n: number) {
  // A fixed smooth multimodal-ish target: the timing does not depend on it.
  const x = Array.from({ length: n }, (_, i) => [-1 + (2 * i) / n]);
  const y = x.map(([v], i) =>
    Array.from({ length: D }, (_, d) => Math.sin(3 * (v as number) + d) * (i % 2 ? 1 : -1)),
  );
  return { x, y };
}

/** Mean ms per step of `fit(iterations)` calls, after one warm-up call, for about `seconds`. */
async function perStep(fit: (iterations: number) => Promise<unknown>, seconds: number): Promise<number> {
  await fit(5);
  let steps = 10;
  for (;;) {
    const t = performance.now();
    await fit(steps);
    const ms = performance.now() - t;
    if (ms > 1000 * seconds || steps >= 10_000) return ms / steps;
    steps = Math.min(10_000, Math.ceil((steps * 1000 * seconds) / Math.max(ms, 1)));
  }
}

async function timeMs(f: () => Promise<unknown>): Promise<number> {
  await f();
  const t = performance.now();
  await f();
  return performance.now() - t;
}

async function measure(backend: 'webgpu' | 'wasm') {
  let info: BackendInfo;
  try {
    info = await initBackend({ backend });
  } catch (error) {
    return { backend, error: (error as Error).message.split('\n')[0] as string };
  }
  const { x, y } = data(S.n);
  const mdn = new MixtureDensityNetwork({
    inputDim: 1,
    outputDim: D,
    components: S.components,
    members: S.members,
    hiddenUnits: S.hidden,
    meanInit: 'zero',
    seed: 0,
  });
  const mdnStep = await perStep(
    (iterations) => mdn.fit(x, y, { iterations, batchSize: S.batch, seed: 1 }),
    S.seconds,
  );
  const mdnSample = await timeMs(async () => {
    const draws = mdn.sample([[0.3]], S.draws, { seed: 2 });
    await draws.data();
    draws.dispose();
  });
  mdn.dispose();
  const preset = mdnPaperCfmBaseline('saddle-node', 1000);
  // The independent coupling: the OT couplings need a synchronous read per step (not on WebGPU in Node).
  const fm = new FlowMatching({
    ...preset.config,
    hiddenUnits: S.hidden,
    dim: D,
    conditionDim: 1,
    coupling: 'independent',
    seed: 0,
  });
  const fmStep = await perStep(
    (iterations) => fm.fit(y, { iterations, batchSize: S.batch, conditions: x, seed: 1 }),
    S.seconds,
  );
  const fmSample = await timeMs(async () => {
    const draws = fm.sample(S.draws, { conditions: [[0.3]], steps: 10, method: 'euler', seed: 2 });
    await draws.data();
    draws.dispose();
  });
  fm.dispose();
  return {
    backend: `${info.name}${info.adapter ? ` (${info.adapter.description}${info.adapter.software ? ', software' : ''})` : ''}`,
    mdnStep,
    fmStep,
    mdnSample,
    fmSample,
  };
}

const rows = [await measure('wasm'), await measure('webgpu')];
const f = (v: number | undefined) => (v === undefined ? '—' : v < 10 ? v.toFixed(2) : v.toFixed(0));
console.log(
  `\nGPU check (${quick ? 'quick' : 'full'}): MDN E = ${S.members}, K = ${S.components}, ${S.hidden.length} × ${S.hidden[0]} GELU, batch ${S.batch}, D = ${D}; flow matching the same MLP (mdnPaperCfmBaseline('saddle-node'), independent coupling); ${S.draws} draws (flow: 10 Euler steps)\n`,
);
console.log(
  `| backend | MDN step (ms) | flow step (ms) | MDN ${S.draws} draws (ms) | flow ${S.draws} draws (ms) |`,
);
console.log('|---|---|---|---|---|');
for (const r of rows) {
  if ('error' in r) console.log(`| ${r.backend} | not available: ${r.error} | | | |`);
  else
    console.log(`| ${r.backend} | ${f(r.mdnStep)} | ${f(r.fmStep)} | ${f(r.mdnSample)} | ${f(r.fmSample)} |`);
}
const [cpu, gpu] = rows;
if (cpu && gpu && !('error' in cpu) && !('error' in gpu))
  console.log(
    `\nWebGPU / CPU path: MDN step ${(gpu.mdnStep / cpu.mdnStep).toFixed(2)}×, flow step ${(gpu.fmStep / cpu.fmStep).toFixed(2)}× (below 1: WebGPU is faster)`,
  );
tf.disposeVariables();
