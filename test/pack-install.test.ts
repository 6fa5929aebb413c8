// Installs the packages the way users do — `pnpm pack` tarballs (built by each package's prepack
// script) into a fresh npm project outside the workspace — and runs a script there that imports
// them, trains, saves and loads; then every TypeScript example of the READMEs and the guides runs
// and type-checks (--strict) in that project. Extend PACKAGES as packages land.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
/** The workspace packages, all of which are packed. */
const PACKAGES = [
  'tensor',
  'distributions',
  'metrics',
  'nn',
  'datasets',
  'mdn',
  'flow',
  'samplers',
  'active',
];
const TFJS = '4.22.0';

const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_fund: 'false' },
  });
const pnpm = (args: string[], cwd: string) => run('npx', ['-y', 'pnpm@12.4.2', ...args], cwd);

let work: string;
let app: string;
const tarballs: string[] = [];

/** [label, code] for every ```ts block of the READMEs (repository, packages) and of the guides. */
function readmeExamples(): [string, string][] {
  const files = [
    'README.md',
    ...readdirSync(join(root, 'packages')).map((p) => `packages/${p}/README.md`),
    ...['guide', 'packages'].flatMap((dir) =>
      readdirSync(join(root, 'docs', dir))
        .filter((f) => f.endsWith('.md'))
        .map((f) => `docs/${dir}/${f}`),
    ),
  ];
  return files.flatMap((file) => {
    let text: string;
    try {
      text = readFileSync(join(root, file), 'utf8');
    } catch {
      return [];
    }
    return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map(
      (m, i) => [`${file} #${i + 1}`, m[1] as string] as [string, string],
    );
  });
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'polymodal-pack-'));
  // No explicit build: `pnpm pack` runs each package's prepack script, which builds dist/; the
  // recursive form packs in dependency order from one pnpm process.
  pnpm(['-r', '--filter', './packages/*', 'pack', '--pack-destination', work], root);
  tarballs.push(
    ...readdirSync(work)
      .filter((f) => f.endsWith('.tgz'))
      .map((f) => join(work, f)),
  );
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('packed packages', () => {
  it('pass publint --strict and attw (ESM-only profile) as published tarballs', () => {
    expect(tarballs.length).toBe(PACKAGES.length);
    for (const tarball of tarballs) {
      const lint = run(
        process.execPath,
        [join(root, 'node_modules/publint/src/cli.js'), '--strict', tarball],
        work,
      );
      expect(lint).toMatch(/All good/);
      run(
        process.execPath,
        [join(root, 'node_modules/@arethetypeswrong/cli/dist/index.js'), '--profile', 'esm-only', tarball],
        work,
      );
    }
  });

  it('install into a fresh npm project with one tfjs-core, import, train, save and load', () => {
    expect(tarballs.length).toBe(PACKAGES.length);
    app = join(work, 'app');
    run('mkdir', ['-p', app], work);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({
        name: 'polymodal-user',
        private: true,
        type: 'module',
        dependencies: {
          '@tensorflow/tfjs': TFJS,
          '@tensorflow/tfjs-core': TFJS,
          ...Object.fromEntries(
            tarballs.map((t, i) => [
              `@polymodal/${PACKAGES.find((p) => t.includes(`-${p}-`)) ?? i}`,
              `file:${t}`,
            ]),
          ),
        },
      }),
    );
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], app);
    const cores = run('npm', ['ls', '@tensorflow/tfjs-core', '--all', '--parseable'], app).trim().split('\n');
    expect(new Set(cores).size).toBe(1);
    writeFileSync(
      join(app, 'smoke.mjs'),
      `
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@polymodal/tensor';
import { Mlp, fit, adam } from '@polymodal/nn';
import { GaussianMixture } from '@polymodal/distributions';
import { energyDistance } from '@polymodal/metrics';
import { sineInverse } from '@polymodal/datasets';
import { MixtureDensityNetwork } from '@polymodal/mdn';
import { FlowMatching, MixFlow } from '@polymodal/flow';
import { DivideAndConquerSampler, bridgeSample, mala } from '@polymodal/samplers';
import { bimodalMixture2d, ternaryPhases } from '@polymodal/datasets';
import { activeLearning, mdnEnsembleTrainer } from '@polymodal/active';
const info = await initBackend();
const x = tf.randomUniform([128, 1], -1, 1, 'float32', 1);
const y = tf.add(tf.mul(x, 2), 1);
const net = new Mlp({ inputDim: 1, outputDim: 1, hiddenUnits: [16], activation: 'tanh', seed: 0 });
const loss = ([a, b]) => tf.mean(tf.squaredDifference(net.apply(a), b));
const result = await fit({ loss, variables: net.trainableVariables, data: [x, y], iterations: 400, optimizer: adam({ learningRate: 1e-2 }), seed: 0 });
await net.save('file://' + process.cwd() + '/model');
const back = await Mlp.load('file://' + process.cwd() + '/model');
const same = tf.equal(net.apply(x), back.apply(x)).all().dataSync()[0] === 1;
const gm = new GaussianMixture({ logits: [0, 0], means: [[-1], [1]], variances: [[0.25], [0.25]] });
const density = gm.prob([[1]]).dataSync()[0];
const ed = await energyDistance([[0], [1]], [[0], [1]], { estimator: 'v-statistic' });
const sine = sineInverse(256, { seed: 0 });
const mdn = new MixtureDensityNetwork({ inputDim: 1, outputDim: 1, components: 3, hiddenUnits: [16], seed: 0 });
const mdnFit = await mdn.fit(sine.x, sine.y, { iterations: 200, seed: 0 });
await mdn.save('file://' + process.cwd() + '/mdn');
const mdnBack = await MixtureDensityNetwork.load('file://' + process.cwd() + '/mdn');
const mdnSame = tf.equal(mdn.logProb(sine.x, sine.y), mdnBack.logProb(sine.x, sine.y)).all().dataSync()[0] === 1;
const mdnLoss = mdnFit.history.loss;
const fm = new FlowMatching({ dim: 1, hiddenUnits: [8], seed: 0 });
await fm.fit(sine.y, { iterations: 50, seed: 0 });
await fm.save('file://' + process.cwd() + '/flow');
const fmBack = await FlowMatching.load('file://' + process.cwd() + '/flow');
const flowSame = tf.equal(fm.sample(8, { seed: 1 }), fmBack.sample(8, { seed: 1 })).all().dataSync()[0] === 1;
const mix = new MixFlow({ dim: 1, conditionDim: 1, components: 2, embeddingDim: 8, baseHidden: 8, hiddenUnits: [8], seed: 0 });
await mix.fit(sine.y, { conditions: tf.cast(tf.greater(sine.x, 0), 'float32'), iterations: 20, prefitIterations: 5, rowsPerCondition: 16, seed: 0 });
await mix.save('file://' + process.cwd() + '/mixflow');
const mixBack = await MixFlow.load('file://' + process.cwd() + '/mixflow');
const mixSame = tf.equal(mix.sample(8, { conditions: [[1]], seed: 1 }), mixBack.sample(8, { conditions: [[1]], seed: 1 })).all().dataSync()[0] === 1;
const b1 = bimodalMixture2d();
const dc = new DivideAndConquerSampler({ starts: 100, modeIterations: 100, chains: 16, burnIn: 100, draws: 50, scoreSamples: 400, scoreBatch: 200, pairs: 400, odeSteps: 20, generator: { iterations: 50, hiddenUnits: [8] }, seed: 0 });
await dc.fit(b1.target, { box: b1.box });
await dc.save('file://' + process.cwd() + '/sampler');
const dcBack = await DivideAndConquerSampler.load('file://' + process.cwd() + '/sampler');
const samplerSame = tf.equal(await dc.sample(8, { seed: 1 }), await dcBack.sample(8, { seed: 1 })).all().dataSync()[0] === 1;
const samplerModes = dc.modes.length;
const chain = await mala(b1.target, { init: tf.tile(tf.tensor2d([[5, 0]]), [16, 1]), burnIn: 200, draws: 200, seed: 0 });
const bridge = await bridgeSample(b1.target, chain.samples, { seed: 0 });
const ternary = ternaryPhases();
const alPool = ternary.sampleInputs(200, 0);
const al = await activeLearning({ pool: alPool, oracle: (q) => ternary.sampleTargets(q, 1), initial: 20, rounds: 1, batchSize: 10, train: mdnEnsembleTrainer({ members: 2, components: 2, hiddenUnits: [8], maxIterations: 20 }), seed: 0 });
al.model.dispose();
const alLabelled = al.history.labelled.length;
console.log(JSON.stringify({ alLabelled, backend: info.name, loss: result.history.loss.at(-1), same, density, ed, mdnSame, flowSame, mixSame, samplerSame, samplerModes, bridgeLogZ: bridge.logZ, mdnFirst: mdnLoss[0], mdnLast: mdnLoss.at(-1) }));
`,
    );
    const out = JSON.parse(run(process.execPath, ['smoke.mjs'], app).trim().split('\n').at(-1) as string);
    expect(out.backend).toBe('wasm');
    expect(out.loss).toBeLessThan(0.01);
    expect(out.same).toBe(true);
    expect(out.mdnSame).toBe(true);
    expect(out.flowSame).toBe(true);
    expect(out.mixSame).toBe(true);
    expect(out.samplerSame).toBe(true);
    expect(out.samplerModes).toBe(2);
    expect(out.alLabelled).toBe(30);
    // MALA draws of the right mode only: its region mass is log 0.75.
    expect(out.bridgeLogZ).toBeCloseTo(Math.log(0.75), 1);
    expect(out.mdnLast).toBeLessThan(out.mdnFirst);
    // ½ N(1; 1, ¼) + ½ N(1; −1, ¼), computed by hand.
    const phi = (z: number) => Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
    expect(out.ed).toBeCloseTo(0, 6);
    expect(out.density).toBeCloseTo(0.5 * (phi(0) / 0.5) + 0.5 * (phi(4) / 0.5), 5);

    // A second copy of tfjs-core, nested under the wasm backend as a mismatched install would leave
    // it: initBackend must refuse with an explanation instead of silently splitting registries.
    const nested = join(app, 'node_modules/@tensorflow/tfjs-backend-wasm/node_modules/@tensorflow');
    run('mkdir', ['-p', nested], app);
    run('cp', ['-r', join(app, 'node_modules/@tensorflow/tfjs-core'), nested], app);
    writeFileSync(
      join(app, 'duplicate.mjs'),
      `import { initBackend } from '@polymodal/tensor';
try { await initBackend({ backend: 'wasm' }); console.log('no error'); } catch (e) { console.log(e.name + ': ' + e.message); }`,
    );
    const dup = run(process.execPath, ['duplicate.mjs'], app).trim().split('\n').at(-1) as string;
    expect(dup).toMatch(/^BackendError: Found 2 copies of @tensorflow\/tfjs-core .*dedupe/);
    rmSync(join(app, 'node_modules/@tensorflow/tfjs-backend-wasm/node_modules'), {
      recursive: true,
      force: true,
    });
  });

  const examples = readmeExamples();
  it('finds the README examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(13);
    expect(examples.map(([label]) => label)).toContain('docs/guide/getting-started.md #2');
  });

  it('type-checks every README example under --strict in the user project', () => {
    examples.forEach(([, code], i) => {
      writeFileSync(join(app, `readme-${i}.ts`), code);
    });
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          target: 'es2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          noEmit: true,
          skipLibCheck: true,
          typeRoots: [join(root, 'node_modules/@types')],
          types: ['node'],
        },
        include: ['readme-*.ts'],
      }),
    );
    const check = spawnSync(
      process.execPath,
      [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'],
      {
        cwd: app,
        encoding: 'utf8',
      },
    );
    const where = check.stdout.replace(/readme-(\d+)\.ts/g, (_, i) => examples[Number(i)]?.[0] ?? 'unknown');
    expect(check.status, where).toBe(0);
  });

  it.each(readmeExamples())('%s runs in the user project', (_, code) => {
    const file = join(app, `run-${process.pid}.ts`);
    writeFileSync(file, code);
    const r = spawnSync(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), file], {
      cwd: app,
      encoding: 'utf8',
      timeout: 300_000,
    });
    rmSync(file, { force: true });
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
  });
});

describe('the workspace install', () => {
  it('holds exactly one copy of @tensorflow/tfjs-core', () => {
    const entries = readdirSync(join(root, 'node_modules/.pnpm')).filter((e) =>
      e.startsWith('@tensorflow+tfjs-core@'),
    );
    expect(entries).toEqual([`@tensorflow+tfjs-core@${TFJS}`]);
  });
});
