// Learning curves: test NLL against labels for MI-LB and the baselines, several seeds, with the
// exact NLL and an offline MDN trained on many labels as references (README § Benchmarks).
//   pnpm --filter @polymodal/active bench study        BENCH_SEEDS=3 BENCH_PROBLEMS=multimodal,ternary
//   BENCH_ACQUISITIONS=mi-lb,variance,random,coreset,bait BENCH_OUT=results.json
import { writeFileSync } from 'node:fs';
import { initBackend } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { type AcquisitionName, activeLearning, mdnEnsembleTrainer } from '../src/index.js';
import { PROBLEMS, type StudyProblem } from './problems.js';

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const se = (v: number[]) =>
  v.length < 2 ? 0 : Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1) / v.length);
const fmt = (v: number[]) => `${mean(v).toFixed(3)} ± ${se(v).toFixed(3)}`;

async function references(p: StudyProblem, seed: number) {
  const test = p.bench.sample(p.test, 1000 + seed);
  const exact = p.bench.logProb?.(test.x, test.y);
  const trueNll = exact ? -(tf.mean(exact).dataSync()[0] as number) : undefined;
  exact?.dispose();
  // The offline reference: the same recipe on 5000 labels (10× the study's largest set).
  const offline = p.bench.sample(5000, 2000 + seed);
  const model = await mdnEnsembleTrainer(p.trainer)({ x: offline.x, y: offline.y, round: 0, seed });
  const lp = model.logProb(test.x, test.y);
  const offlineNll = -(tf.mean(lp).dataSync()[0] as number);
  tf.dispose([lp]);
  model.dispose();
  offline.dispose();
  return { test, trueNll, offlineNll };
}

export async function studyBench(): Promise<void> {
  await initBackend({ backend: 'wasm' });
  const seeds = Number(process.env.BENCH_SEEDS ?? 3);
  const problems = (process.env.BENCH_PROBLEMS ?? 'multimodal,ternary').split(',');
  const acquisitions = (process.env.BENCH_ACQUISITIONS ?? 'mi-lb,variance,random,coreset,bait').split(
    ',',
  ) as AcquisitionName[];
  const results: Record<string, unknown> = {};
  for (const key of problems) {
    const make = PROBLEMS[key];
    if (!make) throw new Error(`unknown problem ${key}`);
    const p = make();
    const curves: Record<string, number[][]> = {}; // acquisition → per seed → NLL per round + final
    const refs: { trueNll?: number; offlineNll: number }[] = [];
    const started = performance.now();
    for (let seed = 0; seed < seeds; seed++) {
      const { test, trueNll, offlineNll } = await references(p, seed);
      refs.push({ ...(trueNll !== undefined ? { trueNll } : {}), offlineNll });
      const pool = p.bench.sampleInputs(p.pool, seed);
      for (const acquisition of acquisitions) {
        const t = performance.now();
        const { history, model } = await activeLearning({
          pool,
          oracle: (x) => p.bench.sampleTargets(x, 100 + seed),
          initial: p.initial,
          rounds: p.rounds,
          batchSize: p.batchSize,
          train: mdnEnsembleTrainer(p.trainer),
          acquisition,
          test: { x: test.x, y: test.y },
          seed,
        });
        model.dispose();
        const curve = [...history.rounds.map((r) => r.testNll as number), history.finalNll as number];
        curves[acquisition] = [...(curves[acquisition] ?? []), curve];
        // Partial results survive a crash or an interruption.
        if (process.env.BENCH_OUT)
          writeFileSync(
            process.env.BENCH_OUT,
            JSON.stringify({ ...results, [key]: { partial: true, curves } }, null, 1),
          );
        const acq = history.rounds.reduce((a, r) => a + r.acquisitionSeconds, 0);
        console.log(
          `${key} seed ${seed} ${acquisition.padEnd(8)} final ${curve.at(-1)?.toFixed(3)} ` +
            `(${((performance.now() - t) / 1000).toFixed(0)} s, acquisition ${acq.toFixed(1)} s)`,
        );
      }
      pool.dispose();
      test.dispose();
    }
    const labels = Array.from({ length: p.rounds + 1 }, (_, r) => p.initial + r * p.batchSize);
    console.log(
      `\n### ${p.bench.name} (reduced scale: pool ${p.pool}, test ${p.test}, ${p.initial} + ${p.rounds} × ${p.batchSize}, ${seeds} seeds; paper: ${p.paper})\n`,
    );
    console.log(`| labels | ${acquisitions.join(' | ')} |`);
    console.log(`|---|${acquisitions.map(() => '---').join('|')}|`);
    for (const [r, n] of labels.entries())
      console.log(
        `| ${n} | ${acquisitions.map((a) => fmt((curves[a] ?? []).map((c) => c[r] as number))).join(' | ')} |`,
      );
    // The first point is the shared initial set (identical for every acquisition): left out.
    const area = (a: string) => (curves[a] ?? []).map((c) => mean(c.slice(1)));
    console.log(`| mean after the initial set | ${acquisitions.map((a) => fmt(area(a))).join(' | ')} |`);
    const trueNlls = refs.flatMap((r) => (r.trueNll === undefined ? [] : [r.trueNll]));
    if (trueNlls.length) console.log(`\nExact NLL of the test sets: ${fmt(trueNlls)}.`);
    console.log(`Offline MDN on 5000 labels (same recipe): ${fmt(refs.map((r) => r.offlineNll))}.`);
    console.log(`Wall time ${((performance.now() - started) / 60000).toFixed(1)} min.\n`);
    results[key] = {
      labels,
      curves,
      references: refs,
      scale: {
        pool: p.pool,
        test: p.test,
        initial: p.initial,
        rounds: p.rounds,
        batchSize: p.batchSize,
        trainer: p.trainer,
      },
    };
  }
  if (process.env.BENCH_OUT) writeFileSync(process.env.BENCH_OUT, JSON.stringify(results, null, 1));
}
