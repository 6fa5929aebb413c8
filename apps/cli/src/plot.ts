/** One curve of a {@link textPlot}: y values on the shared x grid, drawn with `mark`. */
export interface Series {
  y: readonly number[];
  mark: string;
  label: string;
}

/**
 * Plots curves over a shared x grid as a character raster (later series draw on top), with the y
 * range on the left, optional axis names and a legend below: enough to see a fit in a terminal.
 */
export function textPlot(
  x: readonly number[],
  series: readonly Series[],
  height = 16,
  axes?: { x: string; y: string },
): string {
  const all = series.flatMap((s) => s.y).filter(Number.isFinite);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const width = x.length;
  const rows = Array.from({ length: height }, () => new Array<string>(width).fill(' '));
  for (const s of series) {
    s.y.forEach((v, i) => {
      if (!Number.isFinite(v)) return;
      const r = Math.round(((hi - v) / (hi - lo || 1)) * (height - 1));
      (rows[r] as string[])[i] = s.mark;
    });
  }
  const label = (v: number) => v.toFixed(2).padStart(6);
  const lines = axes ? [`  ${axes.y}`] : [];
  lines.push(
    ...rows.map(
      (row, r) => `${r === 0 ? label(hi) : r === height - 1 ? label(lo) : '      '} │${row.join('')}`,
    ),
  );
  lines.push(`       └${'─'.repeat(width)}`);
  const xl = (x[0] as number).toFixed(1);
  const xr = (x[width - 1] as number).toFixed(1);
  lines.push(`        ${xl}${' '.repeat(Math.max(1, width - xl.length - xr.length))}${xr}`);
  if (axes) lines.push(`${' '.repeat(8 + Math.max(0, Math.floor((width - axes.x.length) / 2)))}${axes.x}`);
  lines.push(
    `        ${series
      .filter((s) => s.label !== '')
      .map((s) => `${s.mark} ${s.label}`)
      .join('   ')}`,
  );
  return lines.join('\n');
}
