import { bhattacharyyaDiagonal, logProductIntegralDiagonal } from '@polymodal/distributions';
import { customOp, ensureHostKernel, logSumExp, supportsHostKernels } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';

// The O(M² D) heart of MI-LB: for each input and each ensemble-mixture component i,
// `log Σ_j β_j exp(k_ij)` with `k_ij` the log product integral `log N(μ_i; μ_j, Σ_i + Σ_j)`
// (Huber) or minus the Bhattacharyya distance (pairwise). On wasm and cpu one TypeScript kernel
// computes it in float64, using k_ij = k_ji and one logarithm per pair (of a product over D, not
// D logarithms); elsewhere, and for gradients, the same formula runs as tfjs ops.

/** Which pairwise log-kernel. */
export type PairKind = 'huber' | 'bhattacharyya';

const KERNEL = 'PolymodalMixturePairLogSum';
const LOG_2PI = Math.log(2 * Math.PI);

/** `Σ_d log a_d` as one log of a product in float64 (Σ of logs when the product leaves range). */
function sumLog(product: number, a: Float32Array | Float64Array, at: number, D: number): number {
  if (product > 1e-300 && product < 1e300) return Math.log(product);
  let s = 0;
  for (let d = 0; d < D; d++) s += Math.log(a[at + d] as number);
  return s;
}

function ensureKernel(): boolean {
  return ensureHostKernel(
    KERNEL,
    ['means', 'variances', 'logWeights'],
    ([means]) => [(means as tf.TensorInfo).shape.slice(0, 2)],
    ({ inputs: [mu, v, lw], outputs: [out] }, attrs, [info]) => {
      const [B, M, D] = (info as tf.TensorInfo).shape as [number, number, number];
      const bhattacharyya = attrs.kind === 'bhattacharyya';
      const m = mu as Float32Array;
      const vv = v as Float32Array;
      const w = lw as Float32Array;
      const o = out as Float32Array;
      const k = new Float64Array(M * M);
      const selfLog = new Float64Array(M); // Σ_d log σ²_id (Bhattacharyya)
      for (let b = 0; b < B; b++) {
        const base = b * M * D;
        if (bhattacharyya)
          for (let i = 0; i < M; i++) {
            let p = 1;
            for (let d = 0; d < D; d++) p *= vv[base + i * D + d] as number;
            selfLog[i] = sumLog(p, vv, base + i * D, D);
          }
        for (let i = 0; i < M; i++) {
          const ai = base + i * D;
          for (let j = i; j < M; j++) {
            const aj = base + j * D;
            let quad = 0;
            let p = 1;
            for (let d = 0; d < D; d++) {
              const sd = (vv[ai + d] as number) + (vv[aj + d] as number);
              const diff = (m[ai + d] as number) - (m[aj + d] as number);
              quad += (diff * diff) / sd;
              p *= sd;
            }
            let logDet: number;
            if (p > 1e-300 && p < 1e300) logDet = Math.log(p);
            else {
              // The product left float64's range: sum the logarithms instead (rare).
              logDet = 0;
              for (let d = 0; d < D; d++) logDet += Math.log((vv[ai + d] as number) + (vv[aj + d] as number));
            }
            // Huber: log N(μ_i; μ_j, Σ_i + Σ_j). Bhattacharyya, with Σ̃ = s/2:
            // −D_B = −(¼ Σ Δ²/s + ½ (log det Σ̃ − ½ (log det Σ_i + log det Σ_j))).
            const value = bhattacharyya
              ? -(
                  0.25 * quad +
                  0.5 * (logDet - D * Math.LN2 - 0.5 * ((selfLog[i] as number) + (selfLog[j] as number)))
                )
              : -0.5 * (D * LOG_2PI + logDet + quad);
            k[i * M + j] = value;
            k[j * M + i] = value;
          }
        }
        for (let i = 0; i < M; i++) {
          let max = Number.NEGATIVE_INFINITY;
          for (let j = 0; j < M; j++) {
            const t = (w[b * M + j] as number) + (k[i * M + j] as number);
            if (t > max) max = t;
          }
          let sum = 0;
          for (let j = 0; j < M; j++)
            sum += Math.exp((w[b * M + j] as number) + (k[i * M + j] as number) - max);
          o[b * M + i] = max + Math.log(sum);
        }
      }
    },
  );
}

/** The same quantity as tfjs ops (differentiable; any backend). */
export function pairLogSumOps(
  means: tf.Tensor,
  variances: tf.Tensor,
  logWeights: tf.Tensor,
  kind: PairKind,
): tf.Tensor {
  return tf.tidy(() => {
    const args = [
      tf.expandDims(means, -2),
      tf.expandDims(variances, -2),
      tf.expandDims(means, -3),
      tf.expandDims(variances, -3),
    ] as const;
    const kernel =
      kind === 'huber' ? logProductIntegralDiagonal(...args) : tf.neg(bhattacharyyaDiagonal(...args));
    return logSumExp(tf.add(tf.expandDims(logWeights, -2), kernel), -1);
  });
}

/**
 * The analytic gradient of {@link pairLogSum} (the tape cannot run inside a custom gradient):
 * with responsibilities `r_ij = softmax_j(w_j + k_ij)` and `G = dy_i r_ij`, `∂/∂w_j = Σ_i G_ij`,
 * and each k_ij passes `G_ij` to both its components.
 */
function pairLogSumGradient(
  dy: tf.Tensor,
  means: tf.Tensor,
  variances: tf.Tensor,
  logWeights: tf.Tensor,
  kind: PairKind,
): tf.Tensor[] {
  return tf.tidy(() => {
    const mi = tf.expandDims(means, -2); // [B, M, 1, D]
    const mj = tf.expandDims(means, -3); // [B, 1, M, D]
    const vi = tf.expandDims(variances, -2);
    const vj = tf.expandDims(variances, -3);
    const s = tf.add(vi, vj);
    const diff = tf.sub(mi, mj);
    const q = tf.div(diff, s); // Δ/s
    const q2 = tf.square(q); // Δ²/s²
    const inv = tf.reciprocal(s);
    const kernel =
      kind === 'huber'
        ? logProductIntegralDiagonal(mi, vi, mj, vj)
        : tf.neg(bhattacharyyaDiagonal(mi, vi, mj, vj));
    const logits = tf.add(tf.expandDims(logWeights, -2), kernel); // [B, M, M]
    const G = tf.expandDims(tf.mul(tf.expandDims(dy, -1), tf.softmax(logits, -1)), -1); // [B, M, M, 1]
    const rows = (t: tf.Tensor) => tf.sum(tf.mul(G, t), 2); // the i-side: Σ_j
    const cols = (t: tf.Tensor) => tf.sum(tf.mul(G, t), 1); // the j-side: Σ_i
    const gw = tf.sum(tf.squeeze(G, [-1]), 1);
    if (kind === 'huber') {
      // ∂k/∂μ_i = −Δ/s = −∂k/∂μ_j; ∂k/∂v_i = ∂k/∂v_j = ½ (Δ²/s² − 1/s).
      const dv = tf.mul(0.5, tf.sub(q2, inv));
      return [tf.sub(cols(q), rows(q)), tf.add(rows(dv), cols(dv)), gw];
    }
    // −D_B: ∂/∂μ_i = −½ Δ/s; ∂/∂v_i = ¼ Δ²/s² − ½/s + ¼/v_i (and likewise for j).
    const dvCommon = tf.sub(tf.mul(0.25, q2), tf.mul(0.5, inv));
    const gv = tf.add(
      tf.add(rows(dvCommon), cols(dvCommon)),
      tf.mul(
        0.25,
        tf.add(
          tf.div(tf.sum(tf.squeeze(G, [-1]), 2, true), variances),
          tf.div(tf.expandDims(gw, -1), variances),
        ),
      ),
    );
    return [tf.mul(0.5, tf.sub(cols(q), rows(q))), gv, gw];
  });
}

/** The host kernel, with {@link pairLogSumGradient}. */
function fusedOp(kind: PairKind) {
  return customOp<[tf.Tensor, tf.Tensor, tf.Tensor]>(([means, variances, logWeights], save) => {
    save([means, variances, logWeights]);
    return {
      value: (
        tf.engine().runKernel(KERNEL, { means, variances, logWeights }, { kind }) as unknown as tf.Tensor[]
      )[0] as tf.Tensor,
      gradFunc: (dy, [m, v, w]) =>
        pairLogSumGradient(dy, m as tf.Tensor, v as tf.Tensor, w as tf.Tensor, kind),
    };
  });
}

const FUSED = { huber: fusedOp('huber'), bhattacharyya: fusedOp('bhattacharyya') };

/**
 * `log Σ_j exp(logWeights_j + k_ij)` for every component i: `[B, M]`, from means and (floored)
 * variances `[B, M, D]` and log-weights `[B, M]`. Differentiable.
 */
export function pairLogSum(
  means: tf.Tensor,
  variances: tf.Tensor,
  logWeights: tf.Tensor,
  kind: PairKind,
): tf.Tensor {
  if (supportsHostKernels() && ensureKernel()) return FUSED[kind](means, variances, logWeights);
  return pairLogSumOps(means, variances, logWeights, kind);
}
