// Draws the study's learning curves as an SVG (mean ± one standard error over seeds, with the
// exact and offline references): `tsx bench/plot.ts results.json [more.json] > curves.svg`.
import { readFileSync } from 'node:fs';

interface Result {
  labels: number[];
  curves: Record<string, number[][]>;
  references: { trueNll?: number; offlineNll: number }[];
}

const COLORS: Record<string, string> = {
  'mi-lb': '#d62728',
  variance: '#1f77b4',
  random: '#7f7f7f',
  coreset: '#2ca02c',
  bait: '#9467bd',
  'sbal-mi-lb': '#ff7f0e',
  'maxdist-mi-lb': '#8c564b',
  'sbal-variance': '#17becf',
};
const TITLES: Record<string, string> = { multimodal: 'Multimodal conditional', ternary: 'Ternary phases' };

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const se = (v: number[]) =>
  v.length < 2 ? 0 : Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1) / v.length);

function panel(key: string, r: Result, x0: number, width: number, height: number): string {
  const pad = { left: 48, right: 10, top: 26, bottom: 36 };
  const w = width - pad.left - pad.right;
  const h = height - pad.top - pad.bottom;
  const stats = Object.entries(r.curves).map(([name, runs]) => ({
    name,
    m: r.labels.map((_, i) => mean(runs.map((c) => c[i] as number))),
    s: r.labels.map((_, i) => se(runs.map((c) => c[i] as number))),
  }));
  const refs = {
    exact: r.references.some((q) => q.trueNll !== undefined)
      ? mean(r.references.flatMap((q) => (q.trueNll === undefined ? [] : [q.trueNll])))
      : undefined,
    offline: mean(r.references.map((q) => q.offlineNll)),
  };
  const values = [
    ...stats.flatMap((s) => s.m.map((v, i) => v + (s.s[i] as number))),
    ...stats.flatMap((s) => s.m.map((v, i) => v - (s.s[i] as number))),
    refs.offline,
    ...(refs.exact !== undefined ? [refs.exact] : []),
  ];
  // A log axis when everything is positive: the shared initial point can be 100× the rest.
  const log = values.every((v) => v > 0);
  const f = (v: number) => (log ? Math.log10(Math.max(v, 1e-12)) : v);
  const lo = Math.min(...values.map(f));
  const hi = Math.max(...values.map(f));
  const span = hi - lo || 1;
  const [l0, l1] = [r.labels[0] as number, r.labels.at(-1) as number];
  const X = (n: number) => x0 + pad.left + ((n - l0) / (l1 - l0)) * w;
  const Y = (v: number) => pad.top + (1 - (f(v) - (lo - 0.05 * span)) / (1.1 * span)) * h;
  const out: string[] = [];
  out.push(
    `<text x="${x0 + pad.left}" y="16" font-size="13" font-weight="bold">${TITLES[key] ?? key}</text>`,
  );
  out.push(
    `<rect x="${x0 + pad.left}" y="${pad.top}" width="${w}" height="${h}" fill="none" stroke="#ccc"/>`,
  );
  for (let t = 0; t <= 4; t++) {
    const g = lo - 0.05 * span + (1.1 * span * t) / 4;
    const v = log ? 10 ** g : g;
    out.push(
      `<text x="${x0 + pad.left - 4}" y="${Y(v) + 4}" font-size="10" text-anchor="end">${v.toFixed(v > 10 ? 1 : 2)}</text>`,
    );
  }
  for (const n of r.labels.filter((_, i) => i % 2 === 0 || r.labels.length < 8))
    out.push(`<text x="${X(n)}" y="${pad.top + h + 14}" font-size="10" text-anchor="middle">${n}</text>`);
  out.push(
    `<text x="${x0 + pad.left + w / 2}" y="${height - 4}" font-size="11" text-anchor="middle">labels</text>`,
  );
  const hline = (v: number, dash: string, label: string) =>
    out.push(
      `<line x1="${x0 + pad.left}" x2="${x0 + pad.left + w}" y1="${Y(v)}" y2="${Y(v)}" stroke="#000" stroke-dasharray="${dash}"/>`,
      `<text x="${x0 + pad.left + w - 4}" y="${Y(v) - 4}" font-size="10" text-anchor="end">${label} ${v.toFixed(2)}</text>`,
    );
  if (refs.exact !== undefined) hline(refs.exact, '6 3', 'exact');
  hline(refs.offline, '2 2', 'offline MDN, 5000 labels');
  for (const s of stats) {
    const color = COLORS[s.name] ?? '#000';
    const upper = r.labels.map((n, i) => `${X(n)},${Y((s.m[i] as number) + (s.s[i] as number))}`);
    const lower = r.labels.map((n, i) => `${X(n)},${Y((s.m[i] as number) - (s.s[i] as number))}`).reverse();
    out.push(
      `<polygon points="${[...upper, ...lower].join(' ')}" fill="${color}" fill-opacity="0.15" stroke="none"/>`,
    );
    out.push(
      `<polyline points="${r.labels.map((n, i) => `${X(n)},${Y(s.m[i] as number)}`).join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`,
    );
  }
  return out.join('\n');
}

const files = process.argv.slice(2);
const results = Object.assign({}, ...files.map((f) => JSON.parse(readFileSync(f, 'utf8')))) as Record<
  string,
  Result
>;
const keys = Object.keys(results);
const width = 380;
const height = 300;
const names = [...new Set(keys.flatMap((k) => Object.keys((results[k] as Result).curves)))];
const legend = names
  .map(
    (n, i) =>
      `<rect x="${10 + i * 95}" y="${height + 6}" width="12" height="3" fill="${COLORS[n] ?? '#000'}"/><text x="${26 + i * 95}" y="${height + 11}" font-size="11">${n}</text>`,
  )
  .join('\n');
console.log(
  `<svg xmlns="http://www.w3.org/2000/svg" width="${width * keys.length}" height="${height + 20}" font-family="sans-serif">`,
  '<title>Active learning: test NLL against labels, mean ± one standard error over seeds</title>',
  '<rect width="100%" height="100%" fill="#fff"/>',
  ...keys.map((k, i) => panel(k, results[k] as Result, i * width, width, height)),
  legend,
  '</svg>',
);
