// The lab page: forms, progress and charts on the main thread; every tensor in the worker.
import type { DemoResult, LossPoint } from './demos/demo.js';
import { lossChart } from './demos/loss_chart.js';
import {
  ACTIVE_SETTINGS,
  FLOW_SETTINGS,
  MDN_SETTINGS,
  SAMPLER_SETTINGS,
  type Setting,
  type SettingValues,
} from './demos/settings.js';
import { DrawingPad, PAD_BOX } from './draw.js';
import {
  type DemoName,
  type LabBackend,
  MODEL_FILE,
  type ModelFiles,
  type Reply,
  type Request,
  WEIGHTS_FILE,
} from './protocol.js';
import { drawChart, drawCharts } from './render.js';

interface DemoPage {
  name: DemoName;
  tab: string;
  intro: string;
  settings: readonly Setting[];
}

const PAGES: DemoPage[] = [
  {
    name: 'mdn',
    tab: 'Mixture density network',
    intro:
      'A mixture density network predicts a whole Gaussian mixture p(y | x) at every input, so a problem whose answer has several branches keeps all of them. Train one on the sine inverse problem (three branches in the middle, exact density known) or on points you draw, and compare it with conditional flow matching trained on the same data (same MLP size; NLL by 200 Euler steps with the exact divergence).',
    settings: MDN_SETTINGS,
  },
  {
    name: 'sampler',
    tab: 'Multimodal sampler',
    intro:
      'The divide-and-conquer sampler is given only an unnormalised density and a box. It finds the modes by multi-start optimisation, splits the box into regions with an RBF support-vector classifier, runs MALA inside each region, trains one small generator per mode, and weighs the modes by bridge sampling, with an error bar. Exact region masses come from exact draws; MALA chains started uniformly get the same gradient budget.',
    settings: SAMPLER_SETTINGS,
  },
  {
    name: 'flow',
    tab: 'Flow matching',
    intro:
      'Flow matching learns a velocity field that carries N(0, I) to the data along straight paths; sampling integrates it. MixFlow learns the source too: a Gaussian mixture (here for one population) whose component means are drawn over the data. Sample quality: the energy distance to held-out data, next to data against data.',
    settings: FLOW_SETTINGS,
  },
  {
    name: 'active',
    tab: 'Active learning',
    intro:
      "Pool-based active learning with an MDN ensemble: each round trains the ensemble from scratch on the labels so far and labels the pool points the acquisition ranks highest. MI-LB is a closed-form lower bound on the epistemic mutual information between a point's label and the ensemble member: high where the members' mixtures disagree, whatever the aleatoric spread.",
    settings: ACTIVE_SETTINGS,
  },
];

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (request: Request, transfer: Transferable[] = []) => worker.postMessage(request, transfer);

const el = <T extends HTMLElement>(tag: string, attrs: Record<string, string> = {}, text?: string): T => {
  const e = document.createElement(tag) as T;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
};

interface DemoView {
  section: HTMLElement;
  form: HTMLFormElement;
  run: HTMLButtonElement;
  stop: HTMLButtonElement;
  progress: HTMLProgressElement;
  status: HTMLElement;
  live: HTMLElement;
  summary: HTMLElement;
  charts: HTMLElement;
  losses: LossPoint[];
  liveDrawn: number;
}

const views = new Map<DemoName, DemoView>();
let busy = false;
let pad: DrawingPad | undefined;

function settingInput(demo: DemoName, s: Setting): HTMLLabelElement {
  const label = el<HTMLLabelElement>('label', {}, s.label);
  if ('choices' in s) {
    const select = el<HTMLSelectElement>('select', { name: s.key, id: `${demo}-${s.key}` });
    for (const [value, text] of s.choices) select.append(el('option', { value }, text));
    select.value = s.default;
    label.append(select);
  } else {
    label.append(
      el('input', {
        name: s.key,
        id: `${demo}-${s.key}`,
        type: 'number',
        min: String(s.min),
        max: String(s.max),
        step: s.integer ? '1' : 'any',
        value: String(s.default),
      }),
    );
  }
  return label;
}

function readSettings(view: DemoView, settings: readonly Setting[]): SettingValues {
  const data = new FormData(view.form);
  const values: SettingValues = {};
  for (const s of settings) {
    const raw = String(data.get(s.key) ?? '');
    values[s.key] = 'choices' in s ? raw : Number(raw);
  }
  return values;
}

function setBusy(value: boolean) {
  busy = value;
  for (const v of views.values()) v.run.disabled = value;
  (document.getElementById('backend') as HTMLSelectElement).disabled = value;
  for (const b of document.querySelectorAll<HTMLButtonElement>('.models button')) b.disabled = value;
}

function buildPage(page: DemoPage, main: HTMLElement, tabs: HTMLElement) {
  const section = el<HTMLElement>('section', {
    class: 'demo',
    id: `demo-${page.name}`,
    'data-state': 'idle',
  });
  section.append(el('h2', {}, page.tab), el('p', { class: 'intro' }, page.intro));
  const form = el<HTMLFormElement>('form', { class: 'settings' });
  for (const s of page.settings) form.append(settingInput(page.name, s));
  form.addEventListener('submit', (e) => e.preventDefault());
  section.append(form);
  if (page.name === 'mdn') section.append(drawingArea());
  const run = el<HTMLButtonElement>('button', { id: `${page.name}-run`, type: 'button' }, 'Train');
  const stop = el<HTMLButtonElement>('button', { id: `${page.name}-stop`, type: 'button' }, 'Stop');
  stop.disabled = true;
  const progress = el<HTMLProgressElement>('progress', { id: `${page.name}-progress`, max: '1', value: '0' });
  const status = el<HTMLElement>('span', { class: 'status', id: `${page.name}-status` }, 'ready');
  const controls = el('div', { class: 'controls' });
  controls.append(run, stop, progress, status);
  const live = el<HTMLElement>('div', { class: 'chart live', id: `${page.name}-live` });
  const summary = el<HTMLElement>('dl', { class: 'summary', id: `${page.name}-summary` });
  const charts = el<HTMLElement>('div', { class: 'charts', id: `${page.name}-charts` });
  section.append(controls, live, summary, charts);
  if (page.name === 'mdn') section.append(modelArea());
  main.append(section);
  const view: DemoView = {
    section,
    form,
    run,
    stop,
    progress,
    status,
    live,
    summary,
    charts,
    losses: [],
    liveDrawn: 0,
  };
  views.set(page.name, view);
  run.addEventListener('click', () => {
    if (busy) return;
    view.losses = [];
    view.liveDrawn = 0;
    live.replaceChildren();
    charts.replaceChildren();
    summary.replaceChildren();
    progress.value = 0;
    status.className = 'status';
    status.textContent = 'starting…';
    section.dataset.state = 'running';
    delete section.dataset.outcome;
    stop.disabled = false;
    setBusy(true);
    const settings = readSettings(view, page.settings);
    send({
      type: 'run',
      demo: page.name,
      settings,
      ...(page.name === 'mdn' && settings.dataset === 'drawn' ? { points: pad?.points ?? [] } : {}),
    });
  });
  stop.addEventListener('click', () => {
    status.textContent = 'stopping…';
    send({ type: 'stop' });
  });
  const tab = el<HTMLButtonElement>(
    'button',
    { type: 'button', 'data-tab': page.name, 'aria-selected': 'false' },
    page.tab,
  );
  tab.addEventListener('click', () => select(page.name));
  tabs.append(tab);
}

function select(name: DemoName) {
  for (const [n, v] of views) v.section.classList.toggle('active', n === name);
  for (const t of document.querySelectorAll<HTMLButtonElement>('nav button'))
    t.setAttribute('aria-selected', String(t.dataset.tab === name));
  history.replaceState(null, '', `#${name}`);
}

function drawingArea(): HTMLElement {
  const box = el('div', { class: 'draw' });
  const canvas = el<HTMLCanvasElement>('canvas', {
    class: 'pad',
    id: 'mdn-pad',
    width: '360',
    height: '240',
  });
  const side = el('div');
  const count = el('p', { id: 'mdn-pad-count' }, '0 points drawn');
  const clear = el<HTMLButtonElement>('button', { type: 'button', id: 'mdn-pad-clear' }, 'Clear');
  side.append(
    el(
      'p',
      {},
      `Drag to draw points, x and y in [${PAD_BOX.x.join(', ')}]; several y at one x make a multimodal problem. Choose "the points drawn below" as data.`,
    ),
    count,
    clear,
  );
  box.append(canvas, side);
  pad = new DrawingPad(canvas, (n) => {
    count.textContent = `${n} points drawn`;
  });
  clear.addEventListener('click', () => pad?.clear());
  return box;
}

function modelArea(): HTMLElement {
  const box = el<HTMLElement>('div', { class: 'models', id: 'mdn-models', 'data-state': 'none' });
  const status = el('span', { class: 'status', id: 'mdn-models-status' }, 'no model saved or loaded yet');
  const button = (id: string, text: string, request: Request) => {
    const b = el<HTMLButtonElement>('button', { type: 'button', id }, text);
    b.addEventListener('click', () => {
      status.textContent = 'working…';
      send(request);
    });
    return b;
  };
  const files = el<HTMLInputElement>('input', {
    type: 'file',
    id: 'mdn-load-files',
    multiple: '',
    accept: '.json,.bin',
  });
  files.addEventListener('change', async () => {
    const chosen = Array.from(files.files ?? []);
    const json = chosen.find((f) => f.name.endsWith('.json'));
    const bin = chosen.find((f) => f.name.endsWith('.bin'));
    if (!json || !bin) {
      status.textContent = 'choose both files: the model.json and its .bin weights';
      box.dataset.state = 'error';
      return;
    }
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(await json.text()) as Record<string, unknown>;
    } catch {
      status.textContent = `${json.name} is not JSON`;
      box.dataset.state = 'error';
      return;
    }
    const weights = await bin.arrayBuffer();
    status.textContent = 'loading…';
    send({ type: 'load', from: 'files', files: { json: parsed, weights } }, [weights]);
  });
  const controls = el('div', { class: 'controls' });
  controls.append(
    el('strong', {}, 'The trained MDN:'),
    button('mdn-save-browser', 'Save to browser', { type: 'save', to: 'indexeddb' }),
    button('mdn-download', 'Download', { type: 'save', to: 'download' }),
    button('mdn-load-browser', 'Load from browser', { type: 'load', from: 'indexeddb' }),
    el('label', {}, 'Load files: '),
    files,
    status,
  );
  const summary = el('dl', { class: 'summary', id: 'mdn-models-summary' });
  const charts = el('div', { class: 'charts', id: 'mdn-models-charts' });
  box.append(controls, summary, charts);
  return box;
}

function fillSummary(host: HTMLElement, rows: readonly [string, string][]) {
  host.replaceChildren();
  for (const [k, v] of rows) host.append(el('dt', {}, k), el('dd', {}, v));
}

function download(name: string, blob: Blob) {
  const a = el<HTMLAnchorElement>('a', { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  a.remove();
}

function saveFiles(files: ModelFiles) {
  download(MODEL_FILE, new Blob([JSON.stringify(files.json)], { type: 'application/json' }));
  download(WEIGHTS_FILE, new Blob([files.weights], { type: 'application/octet-stream' }));
}

async function finish(view: DemoView, result: DemoResult, seconds: number) {
  view.progress.value = 1;
  view.status.textContent = `done in ${seconds.toFixed(1)} s`;
  fillSummary(view.summary, result.summary);
  view.live.replaceChildren();
  await drawCharts(view.charts, result.charts);
  view.section.dataset.outcome = JSON.stringify(result.outcome);
  view.section.dataset.state = 'done';
}

// The live loss curve is redrawn at most every 700 ms: Vega renders are not free.
let lastLive = 0;
function drawLive(view: DemoView) {
  const now = performance.now();
  if (now - lastLive < 700 || view.losses.length === view.liveDrawn) return;
  lastLive = now;
  view.liveDrawn = view.losses.length;
  void drawChart(view.live, lossChart(view.losses));
}

worker.onmessage = (event: MessageEvent<Reply>) => {
  const reply = event.data;
  const info = document.getElementById('backend-info') as HTMLElement;
  const models = document.getElementById('mdn-models') as HTMLElement;
  const modelStatus = document.getElementById('mdn-models-status') as HTMLElement;
  switch (reply.type) {
    case 'backend': {
      info.className = '';
      info.dataset.backend = reply.info.name;
      info.textContent = `in use: ${reply.info.name} (${reply.info.reason})`;
      info.title = reply.info.tried.join('\n');
      setBusy(false);
      break;
    }
    case 'progress': {
      const view = views.get(reply.demo) as DemoView;
      view.progress.value = reply.progress.fraction;
      view.section.dataset.progress = String(reply.progress.fraction);
      view.status.textContent = `${Math.round(100 * reply.progress.fraction)} % · ${reply.progress.label}`;
      if (reply.progress.loss) {
        view.losses.push(reply.progress.loss);
        drawLive(view);
      }
      break;
    }
    case 'done': {
      const view = views.get(reply.demo) as DemoView;
      view.stop.disabled = true;
      setBusy(false);
      void finish(view, reply.result, reply.seconds);
      break;
    }
    case 'stopped': {
      const view = views.get(reply.demo) as DemoView;
      view.stop.disabled = true;
      view.status.textContent = 'stopped';
      view.section.dataset.state = 'stopped';
      setBusy(false);
      break;
    }
    case 'error': {
      setBusy(false);
      if (reply.about === 'backend') {
        info.className = 'failed';
        info.dataset.backend = '';
        info.textContent = reply.message;
      } else if (reply.about === 'model') {
        modelStatus.textContent = reply.message;
        models.dataset.state = 'error';
      } else {
        const view = views.get(reply.about) as DemoView;
        view.stop.disabled = true;
        view.status.className = 'status error';
        view.status.textContent = reply.message;
        view.section.dataset.state = 'error';
      }
      break;
    }
    case 'saved': {
      if (reply.files) saveFiles(reply.files);
      modelStatus.textContent = reply.to === 'indexeddb' ? 'saved in this browser' : 'downloaded';
      models.dataset.state = `saved-${reply.to}`;
      break;
    }
    case 'loaded': {
      modelStatus.textContent = 'loaded';
      fillSummary(document.getElementById('mdn-models-summary') as HTMLElement, reply.summary);
      void drawCharts(document.getElementById('mdn-models-charts') as HTMLElement, reply.charts).then(() => {
        models.dataset.outcome = JSON.stringify(reply.outcome);
        models.dataset.state = 'loaded';
      });
      break;
    }
  }
};

const main = document.getElementById('demos') as HTMLElement;
const tabs = document.getElementById('tabs') as HTMLElement;
for (const page of PAGES) buildPage(page, main, tabs);
const initial = location.hash.slice(1);
select(PAGES.some((p) => p.name === initial) ? (initial as DemoName) : 'mdn');

const picker = document.getElementById('backend') as HTMLSelectElement;
picker.addEventListener('change', () => {
  setBusy(true);
  (document.getElementById('backend-info') as HTMLElement).textContent = `starting ${picker.value}…`;
  send({ type: 'backend', backend: picker.value as LabBackend });
});
setBusy(true);
send({ type: 'backend', backend: picker.value as LabBackend });
