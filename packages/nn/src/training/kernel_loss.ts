import {
  assertNumber,
  checkOptions,
  describeValue,
  optionKeys,
  ShapeError,
  ValueError,
} from '@polymodal/tensor';
import type * as tf from '@tensorflow/tfjs-core';
import type { FastPathNetwork } from '../dense_stack.js';
import { stackSizes } from '../dense_stack.js';
import { mixtureNllScratch, type RowWeights, WasmDenseKernels } from '../kernels/dense_wasm.js';
import type {
  DerivedColumns,
  HostLoss,
  KernelLoss,
  MixtureNllKernelLoss,
  MseKernelLoss,
} from './host_loss.js';

const COLUMN_KEYS = ['target', 'weights', 'counts'] as const;
const MIXTURE_KEYS = optionKeys<MixtureNllKernelLoss>()([
  'kind',
  ...COLUMN_KEYS,
  'components',
  'outputDim',
  'scaleWidth',
  'scale',
  'minStd',
  'jitter',
]);
const MSE_KEYS = optionKeys<MseKernelLoss>()(['kind', ...COLUMN_KEYS, 'scale']);

/** Values per row of every minibatch column: `data`'s, then the derived ones. */
export function columnWidths(data: readonly tf.Tensor[], derived?: DerivedColumns): number[] {
  return [...data.map((d) => d.size / (d.shape[0] as number)), ...(derived?.widths ?? [])];
}

/**
 * Validates `host.kernelLoss` against the minibatch columns' widths (see {@link columnWidths})
 * and the network's output width (when it declares dense stacks), before anything runs.
 * @throws ValueError, ShapeError
 */
export function checkKernelLoss(spec: KernelLoss, widths: readonly number[], model: FastPathNetwork): void {
  const where = 'fit host.kernelLoss';
  const kind = (spec as { kind?: unknown } | null)?.kind;
  if (kind !== 'mixture-nll' && kind !== 'mse')
    throw new ValueError(`${where}: kind must be 'mixture-nll' or 'mse', got ${describeValue(kind)}.`);
  checkOptions(spec, kind === 'mse' ? MSE_KEYS : MIXTURE_KEYS, where);
  const width = (i: number) => widths[i] as number;
  for (const key of COLUMN_KEYS) {
    const value = spec[key];
    if (value === undefined && key !== 'target') continue;
    assertNumber(value, `host.kernelLoss.${key}`, { integer: true, min: 0, max: widths.length - 1 });
  }
  const stacks = model.denseStacks?.();
  const members = stacks?.length;
  const outWidth = stacks?.[0] === undefined ? undefined : stackSizes(stacks[0]).at(-1);
  if (spec.weights !== undefined && width(spec.weights) !== 1)
    throw new ShapeError(
      `${where}: the weights column must have one value per row, got ${width(spec.weights)}.`,
    );
  if (spec.counts !== undefined && members !== undefined && width(spec.counts) !== members)
    throw new ShapeError(
      `${where}: the counts column must have one count per member (${members}), got ${width(spec.counts)}.`,
    );
  if (spec.kind === 'mse') {
    if (spec.scale !== undefined)
      assertNumber(spec.scale, 'host.kernelLoss.scale', { greaterThan: 0, max: 1e30 });
    if (outWidth !== undefined && width(spec.target) !== outWidth)
      throw new ShapeError(
        `${where}: the target column must match the network's ${outWidth} outputs, got ${width(spec.target)}.`,
      );
    return;
  }
  const { components: K, outputDim: D, scaleWidth: S } = spec;
  assertNumber(K, 'host.kernelLoss.components', { integer: true, min: 1 });
  assertNumber(D, 'host.kernelLoss.outputDim', { integer: true, min: 1 });
  if (S !== 1 && S !== D)
    throw new ValueError(
      `${where}: scaleWidth must be 1 (isotropic) or outputDim (${D}), got ${describeValue(S)}.`,
    );
  if (spec.scale !== 'std' && spec.scale !== 'variance')
    throw new ValueError(`${where}: scale must be 'std' or 'variance', got ${describeValue(spec.scale)}.`);
  assertNumber(spec.minStd, 'host.kernelLoss.minStd', { min: 0 });
  assertNumber(spec.jitter, 'host.kernelLoss.jitter', { min: 0 });
  if (width(spec.target) !== D)
    throw new ShapeError(
      `${where}: the target column must have outputDim = ${D} values, got ${width(spec.target)}.`,
    );
  if (outWidth !== undefined && outWidth !== K * (1 + D + S))
    throw new ShapeError(
      `${where}: K (1 + D + S) = ${K * (1 + D + S)} outputs expected, the network has ${outWidth}.`,
    );
}

/**
 * A {@link KernelLoss} as a {@link HostLoss} over plain arrays (copied into a private wasm
 * memory each call): to check a declared kernel loss against its TypeScript twin, or to
 * evaluate it outside fit(). Members are read from `out`'s length. @throws Error without
 * WebAssembly SIMD
 */
export function kernelHostLoss(spec: KernelLoss): HostLoss {
  return (out, batch, rows, gradOut) => {
    const width =
      spec.kind === 'mixture-nll'
        ? spec.components * (1 + spec.outputDim + spec.scaleWidth)
        : (batch[spec.target] as Float32Array).length / rows;
    const members = out.length / (rows * width);
    const scratch = spec.kind === 'mixture-nll' ? mixtureNllScratch(rows, spec) : 0;
    const floats = 2 * out.length + batch.reduce((n, b) => n + b.length + 4, 0) + 2 * members + 16;
    const k = WasmDenseKernels.create(floats, scratch);
    const copy = (a: Float32Array) => {
      const view = k.alloc(a.length);
      view.set(a);
      return view;
    };
    const cols = batch.map(copy);
    const o = copy(out);
    const g = k.alloc(out.length);
    const loss = k.allocFloat64(members);
    for (let e = 0; e < members; e++) {
      const at = (a: Float32Array) => a.subarray(e * rows * width, (e + 1) * rows * width);
      const row: RowWeights = {};
      if (spec.weights !== undefined) row.weights = cols[spec.weights] as Float32Array;
      if (spec.counts !== undefined) {
        row.counts = (cols[spec.counts] as Float32Array).subarray(e);
        row.countStride = members;
      }
      const y = cols[spec.target] as Float32Array;
      const slot = loss.subarray(e, e + 1);
      if (spec.kind === 'mixture-nll') k.mixtureNll(spec, rows, at(o), y, row, at(g), slot);
      else k.meanSquaredError(rows, width, at(o), y, row, at(g), slot, spec.scale);
    }
    gradOut.set(g);
    return loss.reduce((a, b) => a + b, 0);
  };
}

/**
 * The `'mse'` kernel loss in plain TypeScript (float64 sums): the `HostProblem.loss` to declare
 * beside `kernelLoss: spec`, which runs where WebAssembly SIMD is missing. Members are read from
 * `out`'s length; the loss is the sum of the members' losses, as the kernel's.
 */
export function mseHostLoss(spec: MseKernelLoss): HostLoss {
  const scale = spec.scale ?? 1;
  return (out, batch, rows, gradOut) => {
    const y = batch[spec.target] as Float32Array;
    const width = y.length / rows;
    const members = out.length / y.length;
    const weights = spec.weights === undefined ? undefined : (batch[spec.weights] as Float32Array);
    const counts = spec.counts === undefined ? undefined : (batch[spec.counts] as Float32Array);
    let total = 0;
    for (let e = 0; e < members; e++)
      for (let r = 0; r < rows; r++) {
        let w = scale / (rows * width);
        if (weights) w *= weights[r] as number;
        if (counts) w *= counts[r * members + e] as number;
        for (let j = 0; j < width; j++) {
          const i = (e * rows + r) * width + j;
          const d = (out[i] as number) - (y[r * width + j] as number);
          total += w * d * d;
          gradOut[i] = 2 * w * d;
        }
      }
    return total;
  };
}
