// Draws the CLI report's Vega-Lite chart specs into the page (SVG, so screenshots stay sharp).
import type { Chart } from '@polymodal/cli/charts';
import { parse, View } from 'vega';
import { compile } from 'vega-lite';

const views = new WeakMap<HTMLElement, View>();

/** Renders `chart` into `container`, replacing what was drawn there. */
export async function drawChart(container: HTMLElement, chart: Chart): Promise<void> {
  views.get(container)?.finalize();
  const view = new View(parse(compile(chart.spec).spec), { renderer: 'svg', container, hover: true });
  views.set(container, view);
  await view.runAsync();
}

/** Replaces the contents of `host` with one chart box per chart. */
export async function drawCharts(host: HTMLElement, charts: readonly Chart[]): Promise<void> {
  for (const child of Array.from(host.children)) {
    const view = views.get(child as HTMLElement);
    view?.finalize();
  }
  host.replaceChildren();
  for (const chart of charts) {
    const box = document.createElement('div');
    box.className = 'chart';
    box.dataset.title = chart.title;
    host.append(box);
    await drawChart(box, chart);
  }
}
