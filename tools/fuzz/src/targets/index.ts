import type { Target } from '../target.js';
import { activeTargets } from './active.js';
import { datasetsTargets } from './datasets.js';
import { distributionsTargets } from './distributions.js';
import { flowTargets } from './flow.js';
import { mdnTargets } from './mdn.js';
import { metricsTargets } from './metrics.js';
import { nnTargets } from './nn.js';
import { samplersTargets } from './samplers.js';
import { tensorTargets } from './tensor.js';

/** The fuzz targets of every package; a new package adds its file here. */
export const TARGETS: Record<string, Target[]> = {
  tensor: tensorTargets,
  nn: nnTargets,
  distributions: distributionsTargets,
  metrics: metricsTargets,
  datasets: datasetsTargets,
  mdn: mdnTargets,
  flow: flowTargets,
  samplers: samplersTargets,
  active: activeTargets,
};
