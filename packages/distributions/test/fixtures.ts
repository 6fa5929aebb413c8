// Typed access to the SciPy fixtures written by fixtures/generate_distributions.py.
import { readFixture } from '@polymodal/test-utils';

/** Everything in fixtures/distributions.json (−∞ stored as the string "-Infinity"). */
export interface DistributionsFixture {
  normal: { loc: number[][]; scale: number[][]; y: number[][][]; log_prob: number[][]; entropy: number[] };
  categorical: { logits: number[][]; values: number[][]; log_prob: number[][]; entropy: number[] };
  mixture: {
    logits: number[][];
    means: number[][][];
    variances: number[][][];
    y: number[][][];
    log_prob: number[][];
    mean: number[][];
    variance: number[][];
    responsibilities: number[][][];
  };
  univariate: {
    logits: number[][];
    means: number[][][];
    variances: number[][][];
    points: number[];
    cdf: number[][];
    q: number[];
    quantile: number[][];
    entropy: number[];
    crps_y: number[];
    crps: number[][];
  };
  mmd: {
    bandwidth: number;
    a: { logits: number[]; means: number[][]; variances: number[][] };
    b: { logits: number[]; means: number[][]; variances: number[][] };
    mmd2: number;
  };
  mvn: {
    loc: number[][];
    covariance: number[][][];
    precision_factor: number[][][];
    y: number[][][];
    log_prob: number[][];
    entropy: number[];
    kl_01: number;
  };
  skew_normal: {
    one_d: { loc: number; scale: number; alpha: number; x: number[]; log_prob: number[] };
    two_d: {
      loc: number[];
      scale: number[][];
      alpha: number[];
      x: number[][];
      log_prob: number[];
      score: number[][];
      u_last: number;
    };
  };
  full_mixture: {
    logits: number[][];
    means: number[][][];
    precision_factors: number[][][][];
    y: number[][][];
    log_prob: number[][];
    mean: number[][];
    variance: number[][];
    score: number[][];
    marginal_20: number[][];
  };
  unnormalized: { log_c: number[]; means: number[][]; variances: number[][]; log_z: number };
  kl: {
    m0: number[][];
    v0: number[][];
    m1: number[][];
    v1: number[][];
    kl: number[];
    bhattacharyya: number[];
    log_elk: number[];
    chernoff_03: number[];
  };
}

export const fixture = readFixture<DistributionsFixture>(
  new URL('./fixtures/distributions.json', import.meta.url),
);
