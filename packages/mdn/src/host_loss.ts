import type { HostLoss, MixtureNllKernelLoss } from '@polymodal/nn';
import { type HeadLayout, headOffsets, VARIANCE_JITTER } from './head.js';

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * The training loss of {@link headNll} with its hand-written gradient over host arrays, for
 * `fit()`'s TypeScript and hybrid paths (diagonal and isotropic components): outputs
 * `[E, B, headWidth]`, batch columns `[x, y, weights, bootstrap counts [B, E]?]`; returns
 * `Σ_e Σ_b w_b c_be NLL_eb / B` (c = 1 without counts), the same
 * quantity as the tfjs loss. Gradients (γ the responsibilities, s = σ² + 1e-8):
 * `∂/∂logit_k = π_k − γ_k`, `∂/∂μ_kd = −γ_k (y_d − μ_kd)/s_kd`,
 * `∂/∂s_kd = γ_k (1/s_kd − (y_d − μ_kd)²/s_kd²)/2`, chained through the softplus scale.
 */
export function hostHeadNll(layout: HeadLayout): HostLoss {
  const { components: K, outputDim: D, minStd } = layout;
  if (layout.covariance === 'full') throw new Error('hostHeadNll: full covariance has no host loss.');
  const at = headOffsets(layout);
  const { width, scaleWidth: S } = at;
  const std = layout.scaleParam === 'std';
  const floor2 = minStd * minStd;
  const logPi = new Float64Array(K);
  const logW = new Float64Array(K);
  const variance = new Float64Array(K * D);
  const dVar = new Float64Array(K * S); // ∂s/∂raw per scale output
  return (out, batch, rows, gradOut) => {
    const y = batch[1] as Float32Array;
    const w = batch[2] as Float32Array;
    const counts = batch[3] as Float32Array | undefined; // [rows, members] bootstrap counts
    const members = out.length / (rows * width);
    let total = 0;
    for (let e = 0; e < members; e++) {
      for (let r = 0; r < rows; r++) {
        const o = (e * rows + r) * width;
        const weight =
          ((w[r] as number) * (counts === undefined ? 1 : (counts[r * members + e] as number))) / rows;
        let maxLogit = -Infinity;
        for (let k = 0; k < K; k++) maxLogit = Math.max(maxLogit, out[o + at.logit(k)] as number);
        let z = 0;
        for (let k = 0; k < K; k++) z += Math.exp((out[o + at.logit(k)] as number) - maxLogit);
        const logZ = maxLogit + Math.log(z);
        let maxW = -Infinity;
        for (let k = 0; k < K; k++) {
          for (let j = 0; j < S; j++) {
            const raw = out[o + at.scale(k, j)] as number;
            const sp = Math.max(raw, 0) + Math.log1p(Math.exp(-Math.abs(raw)));
            const sig = 1 / (1 + Math.exp(-raw));
            const v = std ? (sp + minStd) ** 2 : sp + floor2;
            dVar[k * S + j] = std ? 2 * (sp + minStd) * sig : sig;
            if (S === 1) variance.fill(v, k * D, (k + 1) * D);
            else variance[k * D + j] = v;
          }
          let ln = -0.5 * D * LOG_2PI;
          for (let d = 0; d < D; d++) {
            const s = (variance[k * D + d] as number) + VARIANCE_JITTER;
            const diff = (y[r * D + d] as number) - (out[o + at.mean(k, d)] as number);
            ln -= 0.5 * ((diff * diff) / s + Math.log(s));
          }
          logPi[k] = (out[o + at.logit(k)] as number) - logZ;
          logW[k] = (logPi[k] as number) + ln;
          maxW = Math.max(maxW, logW[k] as number);
        }
        let zw = 0;
        for (let k = 0; k < K; k++) zw += Math.exp((logW[k] as number) - maxW);
        total -= weight * (maxW + Math.log(zw));
        for (let k = 0; k < K; k++) {
          const gamma = Math.exp((logW[k] as number) - maxW) / zw;
          gradOut[o + at.logit(k)] = weight * (Math.exp(logPi[k] as number) - gamma);
          for (let j = 0; j < S; j++) gradOut[o + at.scale(k, j)] = 0;
          for (let d = 0; d < D; d++) {
            const s = (variance[k * D + d] as number) + VARIANCE_JITTER;
            const diff = (y[r * D + d] as number) - (out[o + at.mean(k, d)] as number);
            gradOut[o + at.mean(k, d)] = (-weight * gamma * diff) / s;
            const j = S === 1 ? 0 : d;
            const dS = 0.5 * gamma * (1 / s - (diff * diff) / (s * s));
            const scaleAt = o + at.scale(k, j);
            gradOut[scaleAt] = (gradOut[scaleAt] as number) + weight * dS * (dVar[k * S + j] as number);
          }
        }
      }
    }
    return total;
  };
}

/**
 * The same loss as {@link hostHeadNll}, declared for nn's WebAssembly mixture-NLL kernel
 * (diagonal and isotropic components), over the batch layout `[x, y, weights, counts?]`.
 */
export function kernelHeadNll(layout: HeadLayout, bootstrapCounts: boolean): MixtureNllKernelLoss {
  if (layout.covariance === 'full') throw new Error('kernelHeadNll: full covariance has no kernel loss.');
  return {
    kind: 'mixture-nll',
    components: layout.components,
    outputDim: layout.outputDim,
    scaleWidth: headOffsets(layout).scaleWidth,
    scale: layout.scaleParam,
    minStd: layout.minStd,
    jitter: VARIANCE_JITTER,
    target: 1,
    weights: 2,
    ...(bootstrapCounts ? { counts: 3 } : {}),
  };
}
