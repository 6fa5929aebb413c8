// Typed access to the NumPy fixtures written by fixtures/generate_metrics.py.
import { readFixture } from '@polymodal/test-utils';

interface Aggregate {
  value: number;
  std: number;
  per_member: number[];
}

/** Everything in fixtures/metrics.json. */
export interface MetricsFixture {
  nll: {
    log_probs: number[][];
    member_median: Aggregate;
    member_mean: Aggregate;
    ensemble: { value: number; per_point: number[] };
  };
  mmd: {
    x: number[][];
    y: number[][];
    sigmas: number[];
    biased: number[];
    unbiased: number[];
    median_sigma: number;
    median_unbiased: number;
  };
  energy: { v_statistic: number; u_statistic: number };
  wasserstein: { x: number[][]; y: number[][]; w1_cost: number; w2_cost: number };
  sliced: { directions: number[][]; sw2: number; sw1: number };
  crps: { samples: number[][]; y: number[]; v_statistic: number[]; fair: number[] };
}

export const fixture = readFixture<MetricsFixture>(new URL('./fixtures/metrics.json', import.meta.url));
