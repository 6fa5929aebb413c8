import type { BackendInfo } from '@polymodal/tensor';
import type { TopLevelSpec } from 'vega-lite';
import type { Progress } from '../progress.js';

/** `quick` finishes on 2 CPU cores in minutes; `paper` is the published protocol, meant for a GPU. */
export type Scale = 'quick' | 'paper';

/** Where a reference number comes from (the spec's provenance tags, `../shared/spec/README.md`). */
export type Provenance =
  | '[run]'
  | '[code]'
  | '[abstract]'
  | '[summary]'
  | '[derived]'
  | '[measured]'
  | '[proposal]';

/** One measured number of a reproduction: what `results.json` holds, one row per value. */
export interface ResultRow {
  /** The experiment's name (`saddle-node`, ...). */
  experiment: string;
  /** The model or method measured (`MDN`, `CFM`, `MI-LB`, ...). */
  model: string;
  /** Training-set size, where the experiment sweeps it. */
  n?: number;
  /** Labelled points so far, for active-learning curves. */
  labels?: number;
  /** Any other swept setting (`K = 5`, a regime name). */
  setting?: string;
  /** The seed (or ensemble member) the value belongs to. */
  seed: number;
  /** The metric's name with its convention (`test NLL (member-median, nats)`). */
  metric: string;
  /** The value. */
  value: number;
}

/** A published or exact number the table shows beside ours. */
export interface ReferenceValue {
  /** The value, and its spread when the source gives one. */
  value: number;
  std?: number;
  /** Where it comes from. */
  provenance: Provenance;
  /** The source, in words (a notebook, the paper's abstract, the exact density). */
  source: string;
}

/** A qualitative claim of the paper, and whether this run shows it. */
export interface Finding {
  /** The claim, as the paper (or its summary) makes it. */
  claim: string;
  /** Whether this run shows it. `undefined` when the run cannot decide (too few seeds). */
  holds: boolean | undefined;
  /** The numbers behind the verdict. */
  detail: string;
}

/** A table as printed: headers, then rows of cells. */
export interface Table {
  title: string;
  headers: string[];
  rows: string[][];
}

/** A chart of the report: a Vega-Lite spec with its data inlined. */
export interface Chart {
  title: string;
  spec: TopLevelSpec;
}

/** What a reproduction returns. */
export interface ExperimentResult {
  /** The scale actually run, in words (sizes, iterations, members, seeds). */
  scaleNote: string;
  /** How the paper ran it, in words. */
  paperNote: string;
  rows: ResultRow[];
  tables: Table[];
  findings: Finding[];
  charts: Chart[];
  /** Seconds of wall time. */
  seconds: number;
}

/** What a reproduction is given. */
export interface ExperimentContext {
  scale: Scale;
  /** Seeds to run (repetitions; 0 … seeds − 1). */
  seeds: number;
  backend: BackendInfo;
  /** Long steps report here (bars in a terminal, lines in logs). */
  progress: Progress;
  /** Stops the run between steps; what finished is kept. */
  signal: AbortSignal;
  /** Keeps a measured row as soon as it exists, so an interrupted run still writes it. */
  record(row: ResultRow): void;
}

/** One reproducible experiment of a seed paper. */
export interface Experiment {
  /** The command-line name (`saddle-node`). */
  name: string;
  /** One line for `reproduce --list` and the report. */
  title: string;
  /** The paper it reproduces (`arXiv 2602.00960, MDN`). */
  paper: string;
  /** Seeds run when `--seeds` is not given, per scale. */
  defaultSeeds: Record<Scale, number>;
  run(context: ExperimentContext): Promise<ExperimentResult>;
}
