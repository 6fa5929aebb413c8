// The built CLI as a user runs it: `node dist/polymodal.mjs` (what `pnpm polymodal` runs) in a
// subprocess, its stdout, stderr and exit code. With POLYMODAL_DEBUG=1 the CLI also reports the
// tensors still alive when it exits, so the tests check that every command frees what it made.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '@polymodal/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const cliDir = fileURLToPath(new URL('..', import.meta.url));
const bin = join(cliDir, 'dist/polymodal.mjs');
const env = { POLYMODAL_BACKEND: 'wasm', INIT_CWD: '' };

beforeAll(() => {
  const build = spawnSync(process.execPath, ['build.mjs'], { cwd: cliDir, encoding: 'utf8' });
  expect(build.status, build.stderr).toBe(0);
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `polymodal <args>` as a process. `leakCheck` turns on POLYMODAL_DEBUG and expects no tensor
 * alive at exit (on errors it also prints the stack, which the error tests otherwise forbid).
 */
function cli(args: string[], { leakCheck = false } = {}): Run {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    cwd: cliDir,
    env: { ...process.env, ...env, ...(leakCheck ? { POLYMODAL_DEBUG: '1' } : {}) },
    timeout: 300_000,
  });
  if (leakCheck) expect(r.stderr, `polymodal ${args.join(' ')}`).toMatch(/debug: 0 tensors alive at exit/);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const scratch: string[] = [];
const scratchDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** One clear line on stderr, no stack trace, and the usage exit code. */
function expectUsageError(r: Run, message: RegExp) {
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout).toBe('');
}

describe('polymodal: help, usage errors and exit codes', () => {
  it('as a process: help with exit 0, usage errors on one line with exit 2, flags after pnpm’s `--`', () => {
    const help = cli(['--help']);
    expect(help.code).toBe(0);
    for (const c of ['reproduce', 'demo', 'info', 'fit', 'predict', 'sample'])
      expect(help.stdout).toContain(c);
    expect(cli([]).code).toBe(2);
    // `pnpm demo -- --members 0` reaches the CLI as `demo -- --members 0`: parsed, not ignored.
    expectUsageError(cli(['demo', '--', '--members', '0']), /--members must be a whole number/);
  });

  it('prints each command’s help', () => {
    const r = cli(['reproduce', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--scale <scale>[\s\S]*--seeds[\s\S]*--out/);
    expect(cli(['sample', '--help']).stdout).toMatch(/--config <file\.json>/);
  });

  it('answers unknown commands, unknown flags and bad values with one line and exit 2, before any work', () => {
    expectUsageError(cli(['bogus']), /unknown command 'bogus'/);
    expectUsageError(cli(['demo', '--bogus', '1']), /unknown option '--bogus'/);
    expectUsageError(
      cli(['demo', '--members', '-1']),
      /--members must be a whole number from 1 to 64, got '-1'/,
    );
    expectUsageError(cli(['demo', '--members', '0']), /--members must be a whole number/);
    expectUsageError(cli(['demo', '--iterations', '0']), /--iterations must be a whole number ≥ 1/);
    expectUsageError(
      cli(['info', '--backend', 'nonsense']),
      /--backend must be one of auto, tensorflow, wasm, cpu/,
    );
    expectUsageError(cli(['reproduce', '--scale', 'huge']), /--scale must be one of quick, paper/);
    expectUsageError(cli(['reproduce', 'nope']), /unknown experiment 'nope'; choose from saddle-node/);
    expectUsageError(
      cli(['sample', '--target', 'x.mjs', '--box', '1,0']),
      /--box must be 'low,high' per dimension/,
    );
  });

  it('info says which backend is used and why, as text or JSON', () => {
    const text = cli(['info'], { leakCheck: true });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^backend: wasm \(SIMD, 1 thread\)/);
    const json = JSON.parse(cli(['info', '--json']).stdout);
    expect(json).toMatchObject({ name: 'wasm', environment: 'node', simd: true });
  });

  it('lists the reproductions', () => {
    const r = cli(['reproduce', '--list']);
    expect(r.code).toBe(0);
    for (const e of [
      'saddle-node',
      'sine-components',
      'sampler-gmm',
      'sampler-highdim',
      'sampler-posteriors',
      'mixflow-letters',
      'active-multimodal',
    ])
      expect(r.stdout).toContain(e);
  });
});

describe('polymodal fit mdn → predict on a CSV file', () => {
  const dir = scratchDir('polymodal-cli-');
  const data = join(dir, 'data.csv');
  const model = join(dir, 'model');
  /** `fit mdn <csv> --x x --y y ...rest`. */
  const fitMdn = (csv: string, ...rest: string[]) => ['fit', 'mdn', csv, '--x', 'x', '--y', 'y', ...rest];
  beforeAll(() => {
    // Two branches: y = ±x (+ noise), so each x has two modes near +x and −x.
    const rng = new Rng(0);
    const rows = Array.from({ length: 400 }, () => {
      const x = 0.5 + rng.uniform();
      return [x, (rng.uniform() < 0.5 ? 1 : -1) * x + 0.05 * rng.normal(), 7];
    });
    writeFileSync(data, `x,y,unused\n${rows.map((r) => r.join(',')).join('\n')}\n`);
    writeFileSync(join(dir, 'query.csv'), 'x\n1\n1.2\n');
    writeFileSync(join(dir, 'bad.csv'), 'x,y\n1,2\n1,oops\n');
    writeFileSync(join(dir, 'ragged.csv'), 'x,y\n1,2\n1\n');
  });

  it('trains, saves with the column names, and predicts modes, intervals, mixtures and draws', () => {
    const fit = cli(
      fitMdn(data, '--out', model, '--components', '2', '--iterations', '1500', '--seed', '1'),
      {
        leakCheck: true,
      },
    );
    expect(fit.stderr).not.toMatch(/Error/);
    expect(fit.code).toBe(0);
    expect(fit.stdout).toMatch(/trained 1 × K = 2 on 400 rows/);
    const again = cli(fitMdn(data, '--out', join(dir, 'model-json'), '--iterations', '50', '--json'));
    expect(JSON.parse(again.stdout)).toMatchObject({
      rows: 400,
      members: 1,
      iterations: 50,
      stopReason: 'completed',
    });
    expect(JSON.parse(readFileSync(join(model, 'polymodal-columns.json'), 'utf8'))).toEqual({
      x: ['x'],
      y: ['y'],
    });

    const modes = JSON.parse(
      cli(['predict', model, join(dir, 'query.csv'), '--format', 'json'], { leakCheck: true }).stdout,
    ) as {
      row: number;
      y: number;
    }[];
    for (const [row, x] of [
      [0, 1],
      [1, 1.2],
    ] as const) {
      const found = modes.filter((m) => m.row === row).map((m) => m.y);
      // Both branches, each within 0.15 of ±x (noise std 0.05).
      expect(Math.min(...found.map((y) => Math.abs(y - x)))).toBeLessThan(0.15);
      expect(Math.min(...found.map((y) => Math.abs(y + x)))).toBeLessThan(0.15);
    }
    const intervals = cli(
      ['predict', model, join(dir, 'query.csv'), '--output', 'intervals', '--mass', '0.9'],
      { leakCheck: true },
    );
    expect(intervals.code).toBe(0);
    const [header, first] = intervals.stdout.trim().split('\n');
    expect(header).toBe('row,mass,lower,upper');
    const [, , lo, hi] = (first as string).split(',').map(Number);
    // The 90 % central interval of an even two-branch mixture at x = 1 spans both branches.
    expect(lo).toBeLessThan(-0.9);
    expect(hi).toBeGreaterThan(0.9);
    const mixture = cli(['predict', model, join(dir, 'query.csv'), '--output', 'mixture'], {
      leakCheck: true,
    })
      .stdout.trim()
      .split('\n');
    expect(mixture[0]).toBe('weight_0,mean_0_y,std_0_y,weight_1,mean_1_y,std_1_y');
    const draws = cli(['predict', model, join(dir, 'query.csv'), '--output', 'samples', '--samples', '50'], {
      leakCheck: true,
    })
      .stdout.trim()
      .split('\n');
    expect(draws).toHaveLength(1 + 2 * 50);
  });

  it('names the file, row and column of bad data, with exit 1 and no stack trace', () => {
    const bad = cli(fitMdn(join(dir, 'bad.csv'), '--out', join(dir, 'm')));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/bad\.csv, data row 2, column 'y': expected a finite number, got 'oops'/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    expect(cli(['fit', 'mdn', data, '--x', 'z', '--y', 'y', '--out', join(dir, 'm')]).stderr).toMatch(
      /no column 'z'; the columns are x, y, unused/,
    );
    expect(cli(fitMdn(join(dir, 'ragged.csv'), '--out', join(dir, 'm'))).stderr).toMatch(
      /not a well-formed CSV file/,
    );
    expect(cli(fitMdn(join(dir, 'missing.csv'), '--out', join(dir, 'm'))).stderr).toMatch(
      /missing\.csv: no such file/,
    );
    expect(cli(['fit', 'mdn', data, '--x', 'x', '--y', 'x', '--out', join(dir, 'm')]).stderr).toMatch(
      /in both --x and --y/,
    );
    expectUsageError(
      cli(['fit', 'mdn', data, '--y', 'y', '--out', join(dir, 'm')]),
      /required option '--x <columns>'/,
    );
    const notModel = cli(['predict', dir, data]);
    expect(notModel.code).toBe(1);
    expect(notModel.stderr).toMatch(/not a model folder written by 'polymodal fit'/);
  });
});

describe('polymodal sample on a user module', () => {
  const dir = scratchDir('polymodal-sample-');
  it('rejects a module that does not export logDensity', () => {
    writeFileSync(join(dir, 'wrong.mjs'), 'export const density = 1;\n');
    const r = cli(['sample', '--target', join(dir, 'wrong.mjs'), '--box', '-5,5']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/must export a function logDensity\(x, tf\).*it exports density/);
    const missing = cli(['sample', '--target', join(dir, 'none.mjs'), '--box', '-5,5']);
    expect(missing.stderr).toMatch(/none\.mjs: no such file/);
  });

  it('rejects a --config that is not a JSON object of known sampler settings, before any work', () => {
    writeFileSync(
      join(dir, 'ok.mjs'),
      'export const logDensity = (x, tf) => tf.neg(tf.sum(tf.square(x), 1));\n',
    );
    const bad = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      const r = cli([
        'sample',
        '--target',
        join(dir, 'ok.mjs'),
        '--box',
        '-5,5',
        '--config',
        join(dir, name),
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stderr).not.toMatch(/backend/);
      return r.stderr;
    };
    expect(bad('broken.json', '{"chains": ')).toMatch(/broken\.json: not valid JSON/);
    expect(bad('list.json', '[1]')).toMatch(/list\.json: expected a JSON object of sampler settings/);
    expect(bad('seeded.json', '{"seed": 3}')).toMatch(/give the seed with --seed/);
    expect(bad('typo.json', '{"chain": 8}')).toMatch(/chain/);
    expect(bad('zero.json', '{"chains": 0}')).toMatch(/chains/);
  });

  it('finds both modes of a 1-D two-Gaussian density and weighs them 1 : 3', () => {
    // log ρ = log(0.25 N(−3, 0.5²) + 0.75 N(3, 0.5²)), unnormalised by a constant.
    writeFileSync(
      join(dir, 'target.mjs'),
      `export function logDensity(x, tf) {
  return tf.tidy(() => {
    const a = tf.sub(Math.log(0.25), tf.mul(2, tf.square(tf.add(x, 3))));
    const b = tf.sub(Math.log(0.75), tf.mul(2, tf.square(tf.sub(x, 3))));
    return tf.reshape(tf.logSumExp(tf.concat([a, b], 1), 1), [-1]);
  });
}
`,
    );
    // Smaller than the defaults (2000 starts, 64 chains × 1200 steps, 2000 generator updates), ample in 1-D.
    writeFileSync(
      join(dir, 'small.json'),
      JSON.stringify({
        starts: 200,
        modeIterations: 200,
        chains: 16,
        burnIn: 300,
        draws: 100,
        scoreSamples: 1000,
        pairs: 1000,
        odeSteps: 40,
        generator: { iterations: 300, hiddenUnits: [32, 32] },
      }),
    );
    const out = join(dir, 'draws.csv');
    const r = cli(
      [
        'sample',
        '--config',
        join(dir, 'small.json'),
        '--target',
        join(dir, 'target.mjs'),
        '--box',
        '-6,6',
        '--samples',
        '4000',
        '--out',
        out,
        '--json',
      ],
      { leakCheck: true },
    );
    expect(r.code).toBe(0);
    const fit = JSON.parse(r.stdout) as { modes: number[][]; weights: number[]; logNormalizer: number };
    expect(fit.modes).toHaveLength(2);
    const right = fit.modes.findIndex((m) => (m[0] as number) > 0);
    expect(Math.abs((fit.modes[right]?.[0] as number) - 3)).toBeLessThan(0.05);
    expect(Math.abs((fit.weights[right] as number) - 0.75)).toBeLessThan(0.02);
    // ∫ρ = (0.25 + 0.75)·√(2π)·0.5 = √(π/2).
    expect(fit.logNormalizer).toBeCloseTo(0.5 * Math.log(Math.PI / 2), 1);
    expect(r.stderr).toMatch(/mode 1 at \(.*\): weight/);
    const draws = readFileSync(out, 'utf8').trim().split('\n');
    expect(draws[0]).toBe('x1');
    const xs = draws.slice(1).map(Number);
    expect(xs).toHaveLength(4000);
    // Binomial: 4000 draws at p = 0.75 have SE 0.0068; 4 SE.
    expect(Math.abs(xs.filter((v) => v > 0).length / 4000 - 0.75)).toBeLessThan(0.028);
  });
});

describe('polymodal reproduce', () => {
  it('runs an experiment, prints its table beside the paper and its findings, and writes results.json and report.html', () => {
    const out = scratchDir('polymodal-reproduce-');
    const r = cli(['reproduce', 'sine-components', '--seeds', '1', '--out', out], { leakCheck: true });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\| K \| MDN \(ours\)\s*\| MDN \(paper\) \[run\]/);
    expect(r.stdout).toMatch(/(✓ reproduced|✗ not reproduced): NLL drops steeply up to K = 3/);
    expect(r.stdout).toMatch(/report: .*report\.html/);
    // Progress went to stderr, with time estimates.
    expect(r.stderr).toMatch(/MDN K = 1 .*100%/);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.experiments[0]).toMatchObject({ name: 'sine-components', status: 'finished' });
    const rows = results.rows as {
      experiment: string;
      model: string;
      setting: string;
      seed: number;
      metric: string;
      value: number;
    }[];
    expect(rows.map((row) => row.setting)).toEqual(['K = 1', 'K = 2', 'K = 3', 'K = 5', 'K = 8']);
    for (const row of rows)
      expect(row).toMatchObject({
        experiment: 'sine-components',
        model: 'MDN',
        seed: 0,
        metric: 'test NLL (member-mean, nats)',
      });
    // K = 5 sits within 0.3 nats of the exact density's NLL (≈ 0.0 on this test set); K = 1 cannot.
    const at = (k: number) => rows.find((row) => row.setting === `K = ${k}`)?.value as number;
    expect(at(5)).toBeLessThan(0.3);
    expect(at(1)).toBeGreaterThan(0.9);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html.match(/<figure class="chart"/g)).toHaveLength(2);
  });

  it('stops cleanly on Ctrl-C, keeps what finished and exits 130', async () => {
    const out = scratchDir('polymodal-interrupt-');
    const child = spawn(
      process.execPath,
      [bin, 'reproduce', 'sine-components', '--seeds', '1', '--out', out],
      {
        cwd: cliDir,
        env: { ...process.env, ...env },
      },
    );
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    const code = await new Promise<number | null>((done) => {
      child.stderr.on('data', (d) => {
        stderr += d;
        // K = 1 has finished once K = 2 reports progress.
        if (/MDN K = 2/.test(stderr) && !child.killed) child.kill('SIGINT');
      });
      child.on('exit', (c) => done(c));
    });
    expect(code).toBe(130);
    expect(stderr).toMatch(/Stopping after the current step/);
    expect(stdout).toMatch(/sine-components interrupted; 1 measured rows kept/);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.interrupted).toBe(true);
    expect(results.experiments[0].status).toBe('interrupted');
    expect(results.rows.map((r: { setting: string }) => r.setting)).toEqual(['K = 1']);
  });
});
