import { ensureHostKernel, supportsHostKernels } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';

// The Tweedie mean as one TypeScript kernel on wasm and cpu, for low dimensions: per noised
// point, one pass computes the logits and their max, a second the max-subtracted exponentials and
// the weighted sums. In 2-D the tfjs route spends its time in a K = 3 matMul and a scalar exp
// loop over the [B, J] matrix, which this loop avoids (it never materialises the matrix).

const KERNEL = 'PolymodalTweedieMean';

/** Widest dimension the kernel is used for (above, the matMul route wins). */
export const TWEEDIE_KERNEL_MAX_DIM = 16;

let scratch = new Float64Array(0);

function ensureKernel(): boolean {
  return ensureHostKernel(
    KERNEL,
    ['z', 'keys', 'values'],
    ([z, , values]) => [
      [(z as tf.TensorInfo).shape[0] as number, (values as tf.TensorInfo).shape[1] as number],
    ],
    ({ inputs, outputs }, _attrs, infos) => {
      const [z, keys, values] = inputs as [Float32Array, Float32Array, Float32Array];
      const out = outputs[0] as Float32Array;
      const B = (infos[0] as tf.TensorInfo).shape[0] as number;
      const [J, d] = (infos[2] as tf.TensorInfo).shape as [number, number];
      const k = d + 1;
      if (scratch.length < J) scratch = new Float64Array(J);
      const logits = scratch;
      const acc = new Float64Array(d);
      for (let b = 0; b < B; b++) {
        const zo = b * d;
        let max = Number.NEGATIVE_INFINITY;
        for (let j = 0; j < J; j++) {
          const ko = j * k;
          let l = keys[ko + d] as number;
          for (let c = 0; c < d; c++) l += (z[zo + c] as number) * (keys[ko + c] as number);
          logits[j] = l;
          if (l > max) max = l;
        }
        acc.fill(0);
        let den = 0;
        for (let j = 0; j < J; j++) {
          const gap = (logits[j] as number) - max;
          // e^−40 ≈ 4e-18 of the largest weight: below float32 resolution of the sums.
          if (gap < -40) continue;
          const w = Math.exp(gap);
          den += w;
          const vo = j * d;
          for (let c = 0; c < d; c++) acc[c] = (acc[c] as number) + w * (values[vo + c] as number);
        }
        for (let c = 0; c < d; c++) out[zo + c] = (acc[c] as number) / den;
      }
    },
  );
}

/** Whether the kernel can run here for dimension `d`. */
export function tweedieKernelAvailable(d: number): boolean {
  return d <= TWEEDIE_KERNEL_MAX_DIM && supportsHostKernels() && ensureKernel();
}

/** `Σ_j softmax_j(z·key_j + key_j,d) x_j` for `z` `[B, d]`, `keys` `[J, d + 1]`, `values` `[J, d]`. */
export function tweedieKernel(z: tf.Tensor2D, keys: tf.Tensor2D, values: tf.Tensor2D): tf.Tensor2D {
  const [out] = tf.engine().runKernel(KERNEL, { z, keys, values }) as unknown as tf.Tensor2D[];
  return out as tf.Tensor2D;
}
