// Prints the study's markdown tables from one or more result files (runs of the same problem
// with different acquisitions merge): `tsx bench/table.ts a.json [b.json ...]`.
import { readFileSync } from 'node:fs';

interface Result {
  labels: number[];
  curves: Record<string, number[][]>;
  references: { trueNll?: number; offlineNll: number }[];
  scale: { pool: number; test: number; initial: number; rounds: number; batchSize: number };
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const se = (v: number[]) =>
  v.length < 2 ? 0 : Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1) / v.length);
const fmt = (v: number[]) => (v.length ? `${mean(v).toFixed(3)} ± ${se(v).toFixed(3)}` : '—');

const merged: Record<string, Result> = {};
for (const file of process.argv.slice(2)) {
  for (const [key, r] of Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, Result>)) {
    if (!r.labels) continue; // a partial file from an interrupted run
    const into = merged[key];
    if (into === undefined) merged[key] = structuredClone(r);
    else Object.assign(into.curves, r.curves);
  }
}
for (const [key, r] of Object.entries(merged)) {
  const names = Object.keys(r.curves);
  const seeds = Math.max(...names.map((n) => (r.curves[n] ?? []).length));
  console.log(
    `\n### ${key}: ${r.scale.initial} + ${r.scale.rounds} × ${r.scale.batchSize} labels from a pool of ${r.scale.pool}, test ${r.scale.test}, ${seeds} seeds\n`,
  );
  console.log(`| labels | ${names.join(' | ')} |`);
  console.log(`|---|${names.map(() => '---').join('|')}|`);
  for (const [i, n] of r.labels.entries())
    console.log(
      `| ${n} | ${names.map((a) => fmt((r.curves[a] ?? []).map((c) => c[i] as number))).join(' | ')} |`,
    );
  console.log(
    `| mean after the initial set | ${names.map((a) => fmt((r.curves[a] ?? []).map((c) => mean(c.slice(1))))).join(' | ')} |`,
  );
  const exact = r.references.flatMap((q) => (q.trueNll === undefined ? [] : [q.trueNll]));
  console.log(
    `\nReferences: ${exact.length ? `exact NLL of the test sets ${fmt(exact)}; ` : ''}offline MDN on 5000 labels, same recipe, ${fmt(r.references.map((q) => q.offlineNll))}.`,
  );
}
