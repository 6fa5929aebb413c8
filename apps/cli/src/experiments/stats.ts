/** Arithmetic mean (NaN for an empty list). */
export const mean = (v: readonly number[]): number =>
  v.length === 0 ? Number.NaN : v.reduce((a, b) => a + b, 0) / v.length;

/** Population standard deviation (the MDN paper's spread over members). */
export function populationStd(v: readonly number[]): number {
  const m = mean(v);
  return Math.sqrt(mean(v.map((x) => (x - m) ** 2)));
}

/** Standard error of the mean (sample std / √n; 0 for one value). */
export function standardError(v: readonly number[]): number {
  if (v.length < 2) return 0;
  const m = mean(v);
  return Math.sqrt(v.reduce((a, x) => a + (x - m) ** 2, 0) / (v.length - 1) / v.length);
}

/** `value ± spread` with a fixed number of digits. */
export const pm = (value: number, spread: number, digits = 3): string =>
  `${value.toFixed(digits)} ± ${spread.toFixed(digits)}`;

/** A number for a table: fixed digits for ordinary magnitudes, exponent form otherwise. */
export function num(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 10 ** -digits || a >= 1e5) ? v.toExponential(2) : v.toFixed(digits);
}
