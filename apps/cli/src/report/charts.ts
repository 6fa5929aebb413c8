// The report's chart specs (Vega-Lite, data inlined), exported as `@polymodal/cli/charts` so the web
// lab draws with the same specs rather than a second plotting code.
import type { TopLevelSpec } from 'vega-lite';
import type { Chart } from '../experiments/experiment.js';

export type { Chart };

type Datum = Record<string, number | string | null>;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const SIZE = { width: 420, height: 260 };

/** An axis field: its name in the data and its title on the chart. */
export interface Axis {
  field: string;
  title: string;
  /** A log scale (training-set sizes). */
  log?: boolean;
  /** The domain to show, instead of the data's extent. */
  domain?: [number, number];
}

/**
 * Lines with points, one per value of `color` (a model), and an optional band from the `lo`/`hi`
 * fields of the same data: the NLL-against-N and learning-curve charts.
 */
export function lineChart(options: {
  title: string;
  data: Datum[];
  x: Axis;
  y: Axis;
  color: string;
  /** Draw `[lo, hi]` error bars when the data has them. */
  errorBars?: boolean;
  /** Rows whose `color` value is listed here are drawn dashed (references). */
  dashed?: string[];
  /** Mark each data point (default true; false for densely sampled curves). */
  points?: boolean;
  /** One line per value of this field within a colour (trajectories of one class). */
  detail?: string;
}): Chart {
  const scale = (a: Axis) => ({
    ...(a.log ? { type: 'log' as const } : {}),
    ...(a.domain ? { domain: a.domain } : {}),
    ...(a.log ? {} : { zero: false }),
  });
  const x = {
    field: options.x.field,
    type: 'quantitative' as const,
    title: options.x.title,
    scale: scale(options.x),
  };
  const y = {
    field: options.y.field,
    type: 'quantitative' as const,
    title: options.y.title,
    scale: scale(options.y),
  };
  const color = { field: options.color, type: 'nominal' as const, title: options.color };
  const strokeDash = {
    condition: {
      test: { field: options.color, oneOf: options.dashed ?? [] },
      value: [5, 3],
    },
    value: [1, 0],
  };
  const spec: TopLevelSpec = {
    $schema: SCHEMA,
    title: options.title,
    ...SIZE,
    data: { values: options.data },
    layer: [
      {
        mark: { type: 'line', point: options.points ?? true },
        encoding: {
          x,
          y,
          color,
          strokeDash,
          ...(options.detail ? { detail: { field: options.detail, type: 'nominal' as const } } : {}),
        },
      },
      ...(options.errorBars
        ? [
            {
              mark: { type: 'errorbar' as const, ticks: true },
              encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color },
            },
          ]
        : []),
    ],
  };
  return { title: options.title, spec };
}

/** A scatter of points coloured by a nominal field, optionally faceted by another. */
export function scatterChart(options: {
  title: string;
  data: Datum[];
  x: Axis;
  y: Axis;
  color: string;
  /** One panel per value of this field. */
  facet?: string;
  /** Bigger, opaque marks for rows whose `highlightBy` value is listed (modes, centres). */
  highlight?: string[];
  /** The field `highlight` tests (default: the `color` field). */
  highlightBy?: string;
}): Chart {
  const emphasis = { field: options.highlightBy ?? options.color, oneOf: options.highlight ?? [] };
  const axis = (a: Axis) => ({
    field: a.field,
    type: 'quantitative' as const,
    title: a.title,
    scale: { zero: false, ...(a.domain ? { domain: a.domain } : {}) },
  });
  const encoding = {
    x: axis(options.x),
    y: axis(options.y),
    color: { field: options.color, type: 'nominal' as const, title: options.color },
    size: { condition: { test: emphasis, value: 40 }, value: 6 },
    opacity: { condition: { test: emphasis, value: 1 }, value: 0.45 },
  };
  const inner = { mark: { type: 'point' as const, filled: true }, encoding };
  const spec: TopLevelSpec = options.facet
    ? {
        $schema: SCHEMA,
        title: options.title,
        data: { values: options.data },
        facet: { field: options.facet, type: 'nominal', title: null },
        columns: 3,
        spec: { width: 220, height: 220, ...inner },
      }
    : { $schema: SCHEMA, title: options.title, ...SIZE, data: { values: options.data }, ...inner };
  return { title: options.title, spec };
}

/** Grouped bars with error bars (`lo`/`hi`): estimated against true mode weights. */
export function barChart(options: {
  title: string;
  data: Datum[];
  x: { field: string; title: string };
  y: Axis;
  color: string;
}): Chart {
  const x = { field: options.x.field, type: 'nominal' as const, title: options.x.title };
  const y = { field: options.y.field, type: 'quantitative' as const, title: options.y.title };
  const spec: TopLevelSpec = {
    $schema: SCHEMA,
    title: options.title,
    ...SIZE,
    data: { values: options.data },
    encoding: { x, xOffset: { field: options.color }, color: { field: options.color, title: options.color } },
    layer: [
      { mark: 'bar', encoding: { y } },
      {
        mark: { type: 'errorbar', ticks: true },
        encoding: { y: { ...y, field: 'lo' }, y2: { field: 'hi' } },
      },
    ],
  };
  return { title: options.title, spec };
}

/**
 * Sample paths of an ODE flow: one thin line per `path` (ordered by `t`), with the start
 * (source) and end (sample) points marked.
 */
export function trajectoryChart(options: { title: string; data: Datum[]; x: Axis; y: Axis }): Chart {
  const x = {
    field: options.x.field,
    type: 'quantitative' as const,
    title: options.x.title,
    scale: { zero: false },
  };
  const y = {
    field: options.y.field,
    type: 'quantitative' as const,
    title: options.y.title,
    scale: { zero: false },
  };
  const spec: TopLevelSpec = {
    $schema: SCHEMA,
    title: options.title,
    ...SIZE,
    data: { values: options.data },
    layer: [
      {
        mark: { type: 'line', strokeWidth: 0.8, opacity: 0.5 },
        encoding: {
          x,
          y,
          detail: { field: 'path', type: 'nominal' },
          order: { field: 't', type: 'quantitative' },
        },
      },
      {
        transform: [{ filter: 'datum.t === 0 || datum.t === 1' }],
        mark: { type: 'point', filled: true, size: 14 },
        encoding: {
          x,
          y,
          color: {
            field: 't',
            type: 'nominal',
            title: 'time',
            scale: { domain: [0, 1], range: ['#999999', '#d62728'] },
            legend: { labelExpr: "datum.value == 0 ? 'source (t = 0)' : 'sample (t = 1)'" },
          },
        },
      },
    ],
  };
  return { title: options.title, spec };
}

/**
 * A sampler's mode weights, each estimate ± 2 standard errors beside the exact mass of its region.
 */
export function modeWeightsChart(title: string, weights: number[], errors: number[], truth: number[]): Chart {
  return barChart({
    title,
    data: weights.flatMap((w, k) => {
      const se = errors[k] as number;
      const t = truth[k] as number;
      return [
        { mode: `mode ${k}`, source: 'estimate', weight: w, lo: w - 2 * se, hi: w + 2 * se },
        { mode: `mode ${k}`, source: 'exact', weight: t, lo: t, hi: t },
      ];
    }),
    x: { field: 'mode', title: 'mode' },
    y: { field: 'weight', title: 'weight' },
    color: 'source',
  });
}
