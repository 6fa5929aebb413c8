// A trained MDN to and from plain files (model.json + weights), for downloads and uploads; saving to
// the browser goes through tfjs's own `indexeddb://` handler. Loading always goes through
// MixtureDensityNetwork.load, which validates the format, the config and every weight.
import { MixtureDensityNetwork } from '@polymodal/mdn';
import { SerializationError } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { type ModelFiles, WEIGHTS_FILE } from './protocol.js';

/** Where "Save to browser" keeps the model. */
export const BROWSER_LOCATION = 'indexeddb://polymodal-lab-mdn';

/** Saves `model` into memory as the two files of the tfjs format. */
export async function toFiles(model: MixtureDensityNetwork): Promise<ModelFiles> {
  let files: ModelFiles | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const { weightData, weightSpecs, ...rest } = artifacts;
      if (weightData === undefined || weightSpecs === undefined)
        throw new SerializationError('The model produced no weights to save.');
      files = {
        json: { ...rest, weightsManifest: [{ paths: [WEIGHTS_FILE], weights: weightSpecs }] },
        weights: tf.io.CompositeArrayBuffer.join(weightData),
      };
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  return files as ModelFiles;
}

/** Loads a model from the two files, validating both. */
export async function fromFiles(files: ModelFiles): Promise<MixtureDensityNetwork> {
  const json = files.json as Partial<tf.io.ModelJSON>;
  const manifest = json.weightsManifest;
  if (
    typeof json !== 'object' ||
    json === null ||
    !Array.isArray(manifest) ||
    !manifest.every((g) => Array.isArray(g?.weights))
  )
    throw new SerializationError(
      'model.json has no weightsManifest: expected the model.json that "Download" saved.',
    );
  if (!(files.weights instanceof ArrayBuffer))
    throw new SerializationError('The weights file did not arrive as bytes.');
  const artifacts = await tf.io.getModelArtifactsForJSON(json as tf.io.ModelJSON, async (groups) => [
    groups.flatMap((g) => g.weights),
    files.weights,
  ]);
  return MixtureDensityNetwork.load(tf.io.fromMemory(artifacts));
}
