import { existsSync, readFileSync, statSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { InputError } from './errors.js';

/** A numeric table read from a CSV file with a header row. */
export interface NumericTable {
  /** Column names, in file order. */
  header: string[];
  /** Rows of numbers, in file order. */
  rows: number[][];
}

/**
 * Reads a CSV file with a header row (comma-separated, quoted fields allowed, `#` comment lines
 * skipped) by csv-parse, and checks that every cell of the columns `wanted` is a finite number.
 * Errors name the file, the line and the column.
 */
export function readNumericCsv(path: string, wanted: readonly string[]): number[][] {
  if (!existsSync(path) || !statSync(path).isFile()) throw new InputError(`${path}: no such file.`);
  let records: string[][];
  try {
    records = parse(readFileSync(path, 'utf8'), {
      comment: '#',
      skip_empty_lines: true,
      trim: true,
      relax_column_count: false,
    });
  } catch (error) {
    throw new InputError(
      `${path}: not a well-formed CSV file (${error instanceof Error ? error.message : String(error)}).`,
    );
  }
  const [header, ...body] = records;
  if (!header || body.length === 0)
    throw new InputError(`${path}: expected a header row and at least one data row.`);
  const index = wanted.map((c) => {
    const i = header.indexOf(c);
    if (i < 0) throw new InputError(`${path}: no column '${c}'; the columns are ${header.join(', ')}.`);
    return i;
  });
  return body.map((record, r) =>
    index.map((i, j) => {
      const cell = record[i] ?? '';
      const v = cell === '' ? Number.NaN : Number(cell);
      if (!Number.isFinite(v))
        throw new InputError(
          `${path}, data row ${r + 1}, column '${wanted[j]}': expected a finite number, got '${cell}'.`,
        );
      return v;
    }),
  );
}

/** Writes rows as CSV text with a header (numbers in full precision). */
export function toCsv(header: readonly string[], rows: readonly (readonly (number | string)[])[]): string {
  const quote = (v: number | string) =>
    typeof v === 'string' && /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : String(v);
  return `${[header, ...rows].map((r) => r.map(quote).join(',')).join('\n')}\n`;
}
