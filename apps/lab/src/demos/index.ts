// The demos as functions, for scripts that draw the same figures outside the page (the docs site's
// figures: docs/scripts/figures.ts).
export { runActiveDemo } from './active.js';
export type { DemoContext, DemoProgress, DemoResult, LossPoint } from './demo.js';
export { runFlowDemo } from './flow.js';
export { runMdnDemo } from './mdn.js';
export { runSamplerDemo } from './sampler.js';
export { ACTIVE_SETTINGS, FLOW_SETTINGS, MDN_SETTINGS, SAMPLER_SETTINGS } from './settings.js';
