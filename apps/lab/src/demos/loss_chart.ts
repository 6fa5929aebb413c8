import { type Chart, lineChart } from '@polymodal/cli/charts';
import type { LossPoint } from './demo.js';

/** The training curves, one line per model: drawn live by the page, and again in a demo's result. */
export function lossChart(losses: readonly LossPoint[]): Chart {
  return lineChart({
    title: 'Training loss',
    data: losses.map((l) => ({ iteration: l.iteration, loss: l.loss, model: l.series })),
    x: { field: 'iteration', title: 'iteration' },
    y: { field: 'loss', title: 'training loss' },
    color: 'model',
  });
}
