// The messages between the page and its training worker. Everything crosses as structured-clone
// data: settings, progress, chart specs and model artifacts; tensors never leave the worker.
import type { Chart } from '@polymodal/cli/charts';
import type { DemoProgress, DemoResult } from './demos/demo.js';
import type { SettingValues } from './demos/settings.js';

/**
 * The files "Download" writes: the names `MixtureDensityNetwork.save('file://dir')` writes in Node,
 * so the two files in one folder load there with `MixtureDensityNetwork.load('file://dir')`.
 */
export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

/** The demos the lab offers. */
export type DemoName = 'mdn' | 'sampler' | 'flow' | 'active';

/** The backends the picker offers. */
export type LabBackend = 'auto' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/** A saved model as plain data: `model.json`'s fields and the weights. */
export interface ModelFiles {
  json: Record<string, unknown>;
  weights: ArrayBuffer;
}

/** Page → worker. */
export type Request =
  | { type: 'backend'; backend: LabBackend }
  | { type: 'run'; demo: DemoName; settings: SettingValues; points?: number[][] }
  | { type: 'stop' }
  | { type: 'save'; to: 'indexeddb' | 'download' }
  | { type: 'load'; from: 'indexeddb' }
  | { type: 'load'; from: 'files'; files: ModelFiles };

/** What the worker says about the backend in use. */
export interface BackendReport {
  name: string;
  reason: string;
  tried: string[];
}

/** Worker → page. */
export type Reply =
  | { type: 'backend'; info: BackendReport }
  | { type: 'progress'; demo: DemoName; progress: DemoProgress }
  | { type: 'done'; demo: DemoName; result: DemoResult; seconds: number }
  | { type: 'stopped'; demo: DemoName }
  | { type: 'error'; about: DemoName | 'backend' | 'model'; message: string }
  | { type: 'saved'; to: 'indexeddb' | 'download'; files?: ModelFiles }
  | { type: 'loaded'; summary: [string, string][]; charts: Chart[]; outcome: DemoResult['outcome'] };
