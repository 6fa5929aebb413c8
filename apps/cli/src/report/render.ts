import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { Chart } from '../experiments/experiment.js';

/**
 * Renders a chart's Vega-Lite spec to a standalone SVG string in Node (no canvas, no browser):
 * the same spec a web page can hand to vega-embed.
 */
export async function renderSvg(chart: Chart): Promise<string> {
  const view = new vega.View(vega.parse(compile(chart.spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
