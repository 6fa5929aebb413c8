// Typed access to the SciPy fixtures written by fixtures/generate_mdn.py.
import { readFixture } from '@polymodal/test-utils';
import type { CovarianceType, ScaleParam } from '../src/index.js';

/** One raw-output case: rows `out [B, headWidth]`, targets `y [B, D]` and the expected per-row NLL. */
export interface HeadCase {
  name: string;
  K: number;
  D: number;
  covariance: CovarianceType;
  scaleParam: ScaleParam;
  minStd: number;
  out: number[][];
  y: number[][];
  nll: number[];
}

export const mdnFixture = readFixture<{ cases: HeadCase[] }>(new URL('./fixtures/mdn.json', import.meta.url));
