// The fuzz suite: every generated invalid call of every package, each classified as a typed
// polymodal error (the goal), another throw, a hang or crash, a silent NaN, silently accepted
// invalid input, or a leak. Cases run in child processes watched by this one, so a hang is cut
// off and counted rather than stalling the run.
//
//   pnpm --filter @polymodal/fuzz fuzz                 # every case, a table per package
//   pnpm --filter @polymodal/fuzz fuzz -- --sample 120 # a seeded subset per package (the test's)
//   ... --package mdn --json --timeout 20
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { packageCases } from './child.js';
import { TARGETS } from './targets/index.js';

interface Row {
  tried: number;
  typed: number;
  other: number;
  hang: number;
  nan: number;
  accepted: number;
  leaked: number;
}

export interface FuzzReport {
  rows: Record<string, Row>;
  /** Up to 20 examples of each failure, `package target: change → outcome (detail)`. */
  failures: string[];
}

const childPath = fileURLToPath(new URL('./child.ts', import.meta.url));

/** A deterministic subset of `n` indices out of `total` (a seeded shuffle, then sorted). */
export function sampleIndices(total: number, n: number, seed: number): number[] {
  const all = Array.from({ length: total }, (_, i) => i);
  let s = seed >>> 0;
  for (let i = total - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [all[i], all[j]] = [all[j] as number, all[i] as number];
  }
  return all.slice(0, Math.min(n, total)).sort((a, b) => a - b);
}

/** Runs `indices` of a package in children, restarting after a hang or crash. */
async function runPackage(
  name: string,
  indices: number[],
  timeoutMs: number,
  report: FuzzReport,
): Promise<Row> {
  const row: Row = { tried: 0, typed: 0, other: 0, hang: 0, nan: 0, accepted: 0, leaked: 0 };
  const cases = packageCases(name);
  const describe = (i: number) => `${name} ${cases[i]?.target.name}: ${cases[i]?.label}`;
  const fail = (text: string) => {
    if (report.failures.filter((f) => f.startsWith(name)).length < 40) report.failures.push(text);
  };
  let pending = [...indices];
  while (pending.length > 0) {
    const batch = pending;
    const done = new Set<number>();
    await new Promise<void>((resolveBatch) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', '--conditions=@polymodal/source', childPath, name, '0', '0', batch.join(',')],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      );
      let buffer = '';
      // The first case also waits for the backend to start.
      let timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 30_000);
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        let nl = buffer.indexOf('\n');
        while (nl >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          nl = buffer.indexOf('\n');
          const r = JSON.parse(line) as { i: number; outcome: keyof Row; leaked: number; detail: string };
          done.add(r.i);
          row.tried++;
          row[r.outcome]++;
          if (r.outcome !== 'typed')
            fail(`${describe(r.i)} → ${r.outcome}${r.detail ? ` (${r.detail})` : ''}`);
          if (r.leaked > 0) {
            row.leaked++;
            fail(`${describe(r.i)} → leaked ${r.leaked} tensor(s)`);
          }
          clearTimeout(timer);
          timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        }
      });
      child.on('exit', () => {
        clearTimeout(timer);
        resolveBatch();
      });
    });
    const left = batch.filter((i) => !done.has(i));
    if (left.length > 0) {
      // The first unfinished case hung or crashed the child: count it, go on after it.
      const stuck = left[0] as number;
      row.tried++;
      row.hang++;
      fail(`${describe(stuck)} → hang or crash`);
      pending = left.slice(1);
    } else pending = [];
  }
  return row;
}

/** Runs the suite (or a sample of it) over the named packages. */
export async function fuzz(options: {
  packages?: string[];
  sample?: number;
  seed?: number;
  timeoutMs?: number;
}): Promise<FuzzReport> {
  const report: FuzzReport = { rows: {}, failures: [] };
  for (const name of options.packages ?? Object.keys(TARGETS)) {
    const total = packageCases(name).length;
    const indices =
      options.sample === undefined
        ? Array.from({ length: total }, (_, i) => i)
        : sampleIndices(total, options.sample, options.seed ?? 1);
    report.rows[name] = await runPackage(name, indices, options.timeoutMs ?? 15_000, report);
  }
  return report;
}

/** The table: one row per package. */
export function formatReport(report: FuzzReport): string {
  const cols = ['tried', 'typed', 'other', 'hang', 'nan', 'accepted', 'leaked'] as const;
  const lines = [
    `| package | ${cols.join(' | ')} |`,
    `|---|${cols.map(() => '---').join('|')}|`,
    ...Object.entries(report.rows).map(([name, r]) => `| ${name} | ${cols.map((c) => r[c]).join(' | ')} |`),
  ];
  return lines.join('\n');
}

if (process.argv[1]?.endsWith('run.ts')) {
  const argv = process.argv.slice(2);
  const flag = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const sample = flag('sample');
  const timeout = flag('timeout');
  const seed = flag('seed');
  const pkg = flag('package');
  const report = await fuzz({
    ...(pkg !== undefined ? { packages: pkg.split(',') } : {}),
    ...(sample !== undefined ? { sample: Number(sample) } : {}),
    ...(seed !== undefined ? { seed: Number(seed) } : {}),
    ...(timeout !== undefined ? { timeoutMs: Number(timeout) * 1000 } : {}),
  });
  if (argv.includes('--json')) console.log(JSON.stringify(report));
  else {
    console.log(formatReport(report));
    if (report.failures.length > 0) console.log(`\n${report.failures.join('\n')}`);
  }
}
