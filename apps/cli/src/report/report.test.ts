import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackendInfo } from '@polymodal/tensor';
import { describe, expect, it } from 'vitest';
import type { Experiment, ExperimentResult } from '../experiments/experiment.js';
import { barChart, lineChart, scatterChart, trajectoryChart } from './charts.js';
import { formatTable, writeReport } from './report.js';

const backend: BackendInfo = {
  name: 'wasm',
  requested: 'auto',
  reason: "'auto' picked wasm",
  tried: [],
  environment: 'node',
  tfjsVersion: '4.22.0',
};
const experiment: Experiment = {
  name: 'toy',
  title: 'a toy <experiment>',
  paper: 'none',
  defaultSeeds: { quick: 1, paper: 1 },
  run: async () => {
    throw new Error('not run');
  },
};
const result: ExperimentResult = {
  scaleNote: 'tiny',
  paperNote: 'big',
  rows: [{ experiment: 'toy', model: 'A', n: 10, seed: 0, metric: 'NLL', value: 1.5 }],
  tables: [{ title: 'T', headers: ['model', 'NLL'], rows: [['A', '1.500']] }],
  findings: [
    { claim: 'A wins', holds: true, detail: 'yes' },
    { claim: 'B wins', holds: false, detail: 'no' },
    { claim: 'C wins', holds: undefined, detail: 'too few seeds' },
  ],
  charts: [
    lineChart({
      title: 'NLL against N',
      data: [
        { n: 10, model: 'A', nll: 1.5, lo: 1.4, hi: 1.6 },
        { n: 100, model: 'A', nll: 1.0, lo: 0.9, hi: 1.1 },
      ],
      x: { field: 'n', title: 'N', log: true },
      y: { field: 'nll', title: 'NLL' },
      color: 'model',
      errorBars: true,
    }),
    scatterChart({
      title: 'draws',
      data: [
        { x: 0, y: 1, kind: 'a', panel: 'p' },
        { x: 1, y: 0, kind: 'mode', panel: 'q' },
      ],
      x: { field: 'x', title: 'x' },
      y: { field: 'y', title: 'y' },
      color: 'kind',
      facet: 'panel',
      highlight: ['mode'],
    }),
    barChart({
      title: 'weights',
      data: [{ mode: 'm0', source: 'estimate', weight: 0.3, lo: 0.25, hi: 0.35 }],
      x: { field: 'mode', title: 'mode' },
      y: { field: 'weight', title: 'weight' },
      color: 'source',
    }),
    trajectoryChart({
      title: 'paths',
      data: [0, 0.5, 1].flatMap((t) => [0, 1].map((path) => ({ x: t * path, y: t, path, t }))),
      x: { field: 'x', title: 'x' },
      y: { field: 'y', title: 'y' },
    }),
  ],
  seconds: 1,
};

describe('writeReport', () => {
  it('writes results.json rows and a self-contained report.html with every chart as inline SVG', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'polymodal-report-'));
    const interrupted: Experiment = { ...experiment, name: 'stopped' };
    const paths = await writeReport(
      dir,
      [
        { experiment, result, rows: result.rows },
        { experiment: interrupted, rows: [], error: 'interrupted' },
      ],
      { scale: 'quick', backend, interrupted: true },
    );
    const json = JSON.parse(readFileSync(paths.results, 'utf8'));
    expect(json).toMatchObject({ format: 1, scale: 'quick', interrupted: true, backend: { name: 'wasm' } });
    expect(json.experiments.map((e: { status: string }) => e.status)).toEqual(['finished', 'interrupted']);
    expect(json.rows).toEqual(result.rows);
    const html = readFileSync(paths.report, 'utf8');
    expect(html.match(/<figure class="chart"/g)).toHaveLength(4);
    expect(html.match(/<svg[\s>]/g)?.length).toBe(4);
    expect(html).not.toMatch(/<script/);
    // Text from the experiment is escaped, and each verdict is shown.
    expect(html).toContain('a toy &lt;experiment&gt;');
    for (const v of ['reproduced:', 'not reproduced:', 'undecided:']) expect(html).toContain(v);
    // The charts carry their axis titles.
    expect(html).toContain('>NLL</text>');
  });

  it('formats a table as aligned Markdown', () => {
    expect(formatTable({ title: 'T', headers: ['a', 'bb'], rows: [['xyz', '1']] }).split('\n')).toEqual([
      '### T',
      '',
      '| a   | bb |',
      '|-----|----|',
      '| xyz | 1  |',
    ]);
  });
});
