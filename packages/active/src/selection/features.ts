import { assertFinite, assertFloatTensor, ShapeError } from '@polymodal/tensor';
import type * as tf from '@tensorflow/tfjs-core';

/** Checks candidate and labelled feature matrices `[N, F]`, `[L, F]`. @throws ShapeError / NonFiniteError */
export function checkFeatures(candidates: tf.Tensor2D, labelled: tf.Tensor2D, where: string): void {
  assertFloatTensor(candidates, `${where}: candidates`);
  assertFloatTensor(labelled, `${where}: labelled`);
  if (candidates.rank !== 2 || labelled.rank !== 2 || candidates.shape[1] !== labelled.shape[1])
    throw new ShapeError(
      `${where}: expected candidates [N, F] and labelled [L, F] with the same F, got [${candidates.shape}] and [${labelled.shape}].`,
    );
  assertFinite(candidates, `${where}: candidates`);
  assertFinite(labelled, `${where}: labelled`);
}
