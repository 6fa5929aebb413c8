import type { DerivedColumns } from '@polymodal/nn';
import type { Rng } from '@polymodal/tensor';
import { type Coupling, exactAssignmentRows } from './couplings.js';
import type { ProbabilityPath } from './paths.js';
import type { TimeSampler } from './time_samplers.js';

/** What {@link flowMatchingColumns} builds a minibatch from. */
export interface HostBatchSpec {
  /** Data dimension D. */
  dim: number;
  /** Condition dimension C (0: unconditional; the conditions are `data[1]`). */
  conditionDim: number;
  path: ProbabilityPath;
  timeSampler: TimeSampler;
  /** `'independent'` or `'exact'` (Sinkhorn stays on the device path). */
  coupling: Exclude<Coupling, 'sinkhorn'>;
  /** Whether `data`'s last column holds group ids (OT within groups). */
  grouped: boolean;
  /** The noise stream; update `s` draws from `rng.fold(s)`. */
  rng: Rng;
}

/**
 * Flow matching's minibatch for fit()'s host path, as two derived columns: the network input
 * `[x_t, t, y]` (`D + 1 + C` per row) and the target velocity `u_t` (`D`), built on the host
 * from the drawn data rows `x1` with a standard normal source, paired by `coupling`, at times
 * from `timeSampler`, with the path's coefficients. The same recipe as the tfjs loss of
 * `FlowMatching.fit`, with the host's random stream.
 */
export function flowMatchingColumns(spec: HostBatchSpec): DerivedColumns {
  const { dim: D, conditionDim: C, path, rng } = spec;
  const width = D + 1 + C;
  let x0 = new Float32Array(0);
  let eps = new Float32Array(0);
  // Times strictly inside (0, 1), where every path's velocity is finite.
  const time = (r: Rng): number => {
    const t = spec.timeSampler === 'uniform' ? r.uniform() : 1 / (1 + Math.exp(-r.normal()));
    return t > 0 && t < 1 ? t : time(r);
  };
  return {
    widths: [width, D],
    fill(batch, rows, out, step) {
      const x1 = batch[0] as Float32Array;
      const [input, target] = out as [Float32Array, Float32Array];
      if (x0.length !== rows * D) [x0, eps] = [new Float32Array(rows * D), new Float32Array(rows * D)];
      const r = rng.fold(step);
      for (let i = 0; i < rows * D; i++) x0[i] = r.normal();
      for (let i = 0; i < rows * D; i++) eps[i] = r.normal();
      const pairs =
        spec.coupling === 'exact'
          ? exactAssignmentRows(x0, x1, D, spec.grouped ? batch[batch.length - 1] : undefined)
          : undefined;
      const y = C > 0 ? (batch[1] as Float32Array) : undefined;
      for (let i = 0; i < rows; i++) {
        const t = time(r);
        const c = path.coefficients(t);
        const s = (pairs === undefined ? i : (pairs[i] as number)) * D;
        for (let d = 0; d < D; d++) {
          const [a, b, e] = [x0[s + d] as number, x1[i * D + d] as number, eps[i * D + d] as number];
          input[i * width + d] = c.source * a + c.data * b + c.noise * e;
          target[i * D + d] = c.dSource * a + c.dData * b + c.dNoise * e;
        }
        input[i * width + D] = t;
        for (let k = 0; k < C; k++) input[i * width + D + 1 + k] = (y as Float32Array)[i * C + k] as number;
      }
    },
  };
}
