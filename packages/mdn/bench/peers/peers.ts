// polymodal's MDN against a PyTorch MDN written as practitioners write one (peer_mdn.py), on the
// problems of problems.ts, same data, same network (3 × 128 GELU), same budget, in one sitting:
//
//   pnpm --filter @polymodal/mdn bench:peers [--seeds 5] [--iterations 5000] [--problems a,b]
//     [--variants defaults,mean-zero,k10] [--no-torch] [--json out.json]
//
// Per problem and side: final test NLL (nats per point, original units) mean ± SE over seeds, the
// best checkpoint's, the gap to the exact density's NLL, CPU ms per update (single thread on both
// sides) and the median time-to-result: the CPU seconds until the test NLL first came within 0.1
// nats of the best value any side reached on that seed ('never' if it did not). The runs of one
// seed are interleaved (torch, then each polymodal variant; the order alternates by seed).
// `defaults` is the library as it is, K = DEFAULT_COMPONENTS; the peer and every other variant
// use the problem's K (10 on the ring, 5 elsewhere); `k<N>` runs the defaults at N components.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  DEFAULT_COMPONENTS,
  type MdnFitOptions,
  MixtureDensityNetwork,
  type MixtureDensityNetworkConfig,
} from '@polymodal/mdn';
import { warmupExponentialDecay } from '@polymodal/nn';
import { initBackend } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { PEER_PROBLEMS, type PeerProblem, type Rows } from './problems.js';

/** polymodal configurations under study, for a budget of `n` updates; `defaults` is the library as it is. */
type Variant = { config?: Partial<MixtureDensityNetworkConfig>; fit?: MdnFitOptions };
const km: Partial<MixtureDensityNetworkConfig> = { meanInit: 'kmeans' };
const kb: Partial<MixtureDensityNetworkConfig> = { ...km, biasInit: 'uniform-fan-in' };
/** The default schedule's shape (warm-up, then ×0.9 every 4 %) at another peak or decay pace. */
const schedule = (n: number, peak: number, every = 0.04) =>
  warmupExponentialDecay({
    peak,
    warmupSteps: Math.max(1, Math.round(0.04 * n)),
    decayRate: 0.9,
    decaySteps: Math.max(1, Math.round(every * n)),
  });
const VARIANTS: Record<string, (n: number, p: PeerProblem) => Variant> = {
  // The library as it is, K included (the peer keeps the problem's K).
  defaults: () => ({ config: { components: DEFAULT_COMPONENTS } }),
  // The defaults at the peer's K.
  'matched-k': (_n, p) => ({ config: { components: p.components } }),
  'mean-zero': () => ({ config: { meanInit: 'zero' } }),
  'mean-kmeans': () => ({ config: { meanInit: 'kmeans' } }),
  'no-y-norm': () => ({ config: { normalizeOutputs: false } }),
  'kmeans-no-y-norm': () => ({ config: { meanInit: 'kmeans', normalizeOutputs: false } }),
  'bias-uniform': () => ({ config: { biasInit: 'uniform-fan-in' } }),
  'kmeans-bias': () => ({ config: kb }),
  'kmeans-no-clip': () => ({ config: km, fit: { clip: {} } }),
  'kmeans-peak3': (n) => ({ config: km, fit: { learningRate: schedule(n, 3e-3) } }),
  'kmeans-slow-decay': (n) => ({ config: km, fit: { learningRate: schedule(n, 1e-3, 0.08) } }),
  'kmeans-std': () => ({ config: { ...km, scaleParam: 'std' } }),
  // Configured like the peer: constant 1e-3, no clipping, no weight decay.
  matched: () => ({ fit: { learningRate: 1e-3, clip: {}, weightDecay: 0 } }),
};

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '5' },
    iterations: { type: 'string', default: '5000' },
    'eval-every': { type: 'string', default: '250' },
    problems: { type: 'string', default: PEER_PROBLEMS.map((p) => p.name).join(',') },
    variants: { type: 'string', default: 'defaults' },
    'no-torch': { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const seeds = Number(args.seeds);
const iterations = Number(args.iterations);
const evalEvery = Number(args['eval-every']);
const problems = (args.problems as string).split(',').map((name) => {
  const p = PEER_PROBLEMS.find((q) => q.name === name);
  if (!p)
    throw new Error(`unknown problem '${name}'; choose from ${PEER_PROBLEMS.map((q) => q.name).join(', ')}`);
  return p;
});
/** `k<N>` (k3, k10, …) is the defaults at N components on every problem: the K sweep. */
const componentsVariant = (name: string) => /^k([1-9]\d?)$/.exec(name)?.[1];
const variantOf = (name: string): ((n: number, p: PeerProblem) => Variant) | undefined => {
  const k = componentsVariant(name);
  return k ? () => ({ config: { components: Number(k) } }) : VARIANTS[name];
};
const variants = (args.variants as string).split(',').map((name) => {
  if (!variantOf(name))
    throw new Error(
      `unknown variant '${name}'; choose from ${Object.keys(VARIANTS).join(', ')} or k<N> (components)`,
    );
  return name;
});
const HIDDEN = [128, 128, 128];
const TEST_ROWS = 2000;
const peerScript = fileURLToPath(new URL('./peer_mdn.py', import.meta.url));

/** [iteration, CPU seconds of training so far, test NLL] at each evaluation. */
type Curve = [number, number, number | null][];
interface Run {
  side: string;
  problem: string;
  seed: number;
  curve: Curve;
  final: number | null;
  seconds: number;
}

interface Split {
  train: { x: Rows; y: Rows };
  test: { x: Rows; y: Rows };
}

function runTorch(p: PeerProblem, file: string, seed: number): Run {
  const r = spawnSync(
    '/usr/bin/python3',
    [
      peerScript,
      file,
      '--components',
      String(p.components),
      '--hidden',
      HIDDEN.join(','),
      '--iterations',
      String(iterations),
      '--seed',
      String(seed),
      '--eval-every',
      String(evalEvery),
    ],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  if (r.status !== 0) throw new Error(`peer_mdn.py failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { curve: Curve; final: number | null; seconds: number };
  return { side: 'PyTorch', problem: p.name, seed, ...out };
}

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function runPolymodal(p: PeerProblem, data: Split, seed: number, variant: string): Promise<Run> {
  const v = variantOf(variant)?.(iterations, p) ?? {};
  const mdn = new MixtureDensityNetwork({
    inputDim: p.inputDim,
    outputDim: p.outputDim,
    components: p.components,
    hiddenUnits: HIDDEN,
    seed,
    ...v.config,
  });
  const [x, y, xt, yt] = [data.train.x, data.train.y, data.test.x, data.test.y].map((rows) =>
    tf.tensor2d(rows),
  );
  const testNll = () => {
    const nll = tf.tidy(
      () => -(tf.mean(mdn.logProb(xt as tf.Tensor2D, yt as tf.Tensor2D)).dataSync()[0] as number),
    );
    return Number.isFinite(nll) ? nll : null;
  };
  const curve: Curve = [];
  let seconds = 0;
  let since = cpuSeconds();
  try {
    await mdn.fit(x as tf.Tensor2D, y as tf.Tensor2D, {
      iterations,
      seed,
      checkEvery: evalEvery,
      ...v.fit,
      onProgress: (progress) => {
        seconds += cpuSeconds() - since;
        if (progress.iteration % evalEvery === 0 || progress.iteration === iterations)
          curve.push([progress.iteration, seconds, testNll()]);
        since = cpuSeconds();
      },
    });
    seconds += cpuSeconds() - since;
    if (curve.at(-1)?.[0] !== iterations) curve.push([iterations, seconds, testNll()]);
    return {
      side: `polymodal ${variant}`,
      problem: p.name,
      seed,
      curve,
      final: curve.at(-1)?.[2] ?? null,
      seconds,
    };
  } finally {
    tf.dispose([x, y, xt, yt] as tf.Tensor[]);
    mdn.dispose();
  }
}

const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
const se = (a: number[]) =>
  a.length < 2 ? 0 : Math.sqrt(a.reduce((s, v) => s + (v - mean(a)) ** 2, 0) / (a.length - 1) / a.length);
const median = (a: number[]) => {
  const s = [...a].sort((p, q) => p - q);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const fmt = (a: number[]) => (a.length === 0 ? 'NaN' : `${mean(a).toFixed(3)} ± ${se(a).toFixed(3)}`);

await initBackend({ backend: 'wasm' });
const work = mkdtempSync(join(tmpdir(), 'polymodal-peers-'));
const runs: Run[] = [];
const floors: Record<string, number[]> = {};
try {
  for (const p of problems) {
    floors[p.name] = [];
    for (let seed = 0; seed < seeds; seed++) {
      // Data seeds apart from model seeds; the test set is the same for every side.
      const train = p.sample(p.trainRows, 1000 + seed);
      const test = p.sample(TEST_ROWS, 2000 + seed);
      floors[p.name]?.push(-mean(p.logProb(test.x, test.y)));
      const file = join(work, `${p.name}-${seed}.json`);
      writeFileSync(file, JSON.stringify({ train, test }));
      const order = [...(args['no-torch'] ? [] : ['torch']), ...variants];
      if (seed % 2 === 1) order.reverse();
      for (const side of order) {
        const run =
          side === 'torch' ? runTorch(p, file, seed) : await runPolymodal(p, { train, test }, seed, side);
        runs.push(run);
        process.stderr.write(
          `${p.name} seed ${seed} ${run.side}: final ${run.final?.toFixed(3)} in ${run.seconds.toFixed(1)} s\n`,
        );
      }
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

// Time-to-result per (problem, seed): within 0.1 nats of the best any side reached on that seed.
const timeToResult = (run: Run) => {
  const best = Math.min(
    ...runs
      .filter((r) => r.problem === run.problem && r.seed === run.seed)
      .flatMap((r) => r.curve.map((c) => c[2] ?? Number.POSITIVE_INFINITY)),
  );
  return run.curve.find((c) => c[2] !== null && c[2] <= best + 0.1)?.[1] ?? Number.POSITIVE_INFINITY;
};

const lines = [
  `MDN peer benchmark: ${iterations} updates, batch 128, 3 × 128 GELU, ${seeds} seeds, ${TEST_ROWS} test rows; NLL in nats per point`,
  '',
  '| problem (exact NLL) | side | final NLL | best checkpoint | gap to exact | ms / update | time-to-result (median s) |',
  '|---|---|---|---|---|---|---|',
];
for (const p of problems) {
  const floor = mean(floors[p.name] ?? []);
  for (const side of [...new Set(runs.filter((r) => r.problem === p.name).map((r) => r.side))]) {
    const mine = runs.filter((r) => r.problem === p.name && r.side === side);
    const finals = mine.map((r) => r.final ?? Number.NaN).filter(Number.isFinite);
    const bests = mine.map((r) => Math.min(...r.curve.map((c) => c[2] ?? Number.POSITIVE_INFINITY)));
    const ttr = median(mine.map(timeToResult));
    lines.push(
      `| ${p.name}, ${p.what} (${floor.toFixed(3)}) | ${side} | ${fmt(finals)}${finals.length < mine.length ? ` (${mine.length - finals.length} non-finite)` : ''} | ${fmt(bests)} | ${(mean(finals) - floor).toFixed(3)} | ${((1000 * mean(mine.map((r) => r.seconds))) / iterations).toFixed(2)} | ${Number.isFinite(ttr) ? ttr.toFixed(1) : 'never'} |`,
    );
  }
}
process.stdout.write(`${lines.join('\n')}\n`);
if (args.json) writeFileSync(args.json, JSON.stringify({ iterations, seeds, floors, runs }, null, 1));
