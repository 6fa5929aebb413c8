import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BackendInfo } from '@polymodal/tensor';
import type { Experiment, ExperimentResult, ResultRow, Scale, Table } from '../experiments/experiment.js';
import { renderSvg } from './render.js';

/** One experiment's outcome in a report: finished, or stopped with what it had measured. */
export interface ReportEntry {
  experiment: Experiment;
  /** Undefined when the run was interrupted or failed before finishing. */
  result?: ExperimentResult;
  /** Rows measured before an interruption (all rows when finished). */
  rows: ResultRow[];
  /** Why it did not finish. */
  error?: string;
}

/** What `results.json` holds. */
export interface ResultsFile {
  /** polymodal's reproduction format version. */
  format: 1;
  createdAt: string;
  scale: Scale;
  backend: { name: string; reason: string };
  interrupted: boolean;
  experiments: {
    name: string;
    title: string;
    paper: string;
    status: 'finished' | 'interrupted' | 'failed';
    error?: string;
    scale?: string;
    paperScale?: string;
    seconds?: number;
    findings?: ExperimentResult['findings'];
  }[];
  rows: ResultRow[];
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

function htmlTable(t: Table): string {
  const head = t.headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = t.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<h3>${escapeHtml(t.title)}</h3>\n<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const verdict = (holds: boolean | undefined) =>
  holds === undefined ? 'undecided' : holds ? 'reproduced' : 'not reproduced';

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}figure{margin:1em 0}
.finding{padding:.4em .8em;margin:.4em 0;border-left:4px solid #999}.reproduced{border-color:#2a7}
.not-reproduced{border-color:#d33}.undecided{border-color:#aaa}.note{color:#555}`;

/**
 * Writes `results.json` and a self-contained `report.html` (charts inlined as SVG, no scripts, no
 * network) into `dir`, and returns their paths.
 */
export async function writeReport(
  dir: string,
  entries: ReportEntry[],
  meta: { scale: Scale; backend: BackendInfo; interrupted: boolean },
): Promise<{ results: string; report: string }> {
  const out = resolve(dir);
  mkdirSync(out, { recursive: true });
  const results: ResultsFile = {
    format: 1,
    createdAt: new Date().toISOString(),
    scale: meta.scale,
    backend: { name: meta.backend.name, reason: meta.backend.reason },
    interrupted: meta.interrupted,
    experiments: entries.map((e) => ({
      name: e.experiment.name,
      title: e.experiment.title,
      paper: e.experiment.paper,
      status: e.result ? 'finished' : e.error === 'interrupted' ? 'interrupted' : 'failed',
      ...(e.error && e.error !== 'interrupted' ? { error: e.error } : {}),
      ...(e.result
        ? {
            scale: e.result.scaleNote,
            paperScale: e.result.paperNote,
            seconds: e.result.seconds,
            findings: e.result.findings,
          }
        : {}),
    })),
    rows: entries.flatMap((e) => e.rows),
  };
  const resultsPath = join(out, 'results.json');
  writeFileSync(resultsPath, `${JSON.stringify(results, null, 1)}\n`);

  const sections: string[] = [];
  for (const e of entries) {
    const parts = [
      `<section id="${escapeHtml(e.experiment.name)}"><h2>${escapeHtml(e.experiment.name)}: ${escapeHtml(e.experiment.title)}</h2>`,
      `<p class="note">${escapeHtml(e.experiment.paper)}</p>`,
    ];
    if (!e.result) {
      parts.push(
        `<p class="finding not-reproduced">Did not finish (${escapeHtml(e.error ?? 'unknown')}); ${e.rows.length} measured rows are in results.json.</p></section>`,
      );
      sections.push(parts.join('\n'));
      continue;
    }
    const r = e.result;
    parts.push(
      `<p><b>Scale run:</b> ${escapeHtml(r.scaleNote)}<br><b>Paper:</b> ${escapeHtml(r.paperNote)}<br><b>Wall time:</b> ${r.seconds.toFixed(0)} s</p>`,
    );
    for (const f of r.findings) {
      const v = verdict(f.holds);
      parts.push(
        `<div class="finding ${v.replace(' ', '-')}"><b>${escapeHtml(v)}:</b> ${escapeHtml(f.claim)}<br><span class="note">${escapeHtml(f.detail)}</span></div>`,
      );
    }
    parts.push(...r.tables.map(htmlTable));
    for (const chart of r.charts)
      parts.push(
        `<figure class="chart" data-title="${escapeHtml(chart.title)}">${await renderSvg(chart)}</figure>`,
      );
    parts.push('</section>');
    sections.push(parts.join('\n'));
  }
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>polymodal reproductions (${meta.scale})</title>
<style>${STYLE}</style></head><body>
<h1>polymodal reproductions</h1>
<p>Scale <b>${meta.scale}</b> on backend <b>${escapeHtml(meta.backend.name)}</b> (${escapeHtml(meta.backend.reason)}), ${escapeHtml(results.createdAt)}.${meta.interrupted ? ' <b>Interrupted</b>: what finished is shown.' : ''}
Reference numbers carry their provenance tag: [run] = the authors' executed notebooks, [abstract]/[summary] = the paper's front matter or a summary of it, [derived] = exact ground truth.</p>
${sections.join('\n')}
</body></html>
`;
  const reportPath = join(out, 'report.html');
  writeFileSync(reportPath, html);
  return { results: resultsPath, report: reportPath };
}

/** A table as aligned Markdown for the terminal. */
export function formatTable(t: Table): string {
  const widths = t.headers.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  return [
    `### ${t.title}`,
    '',
    line(t.headers),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...t.rows.map(line),
  ].join('\n');
}
