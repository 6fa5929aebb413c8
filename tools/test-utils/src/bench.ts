// Benchmark helpers (no vitest import, so bench scripts can run under plain tsx).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The PyTorch reference script of the shared benchmark definitions (override with POLYMODAL_TORCH_REFERENCE). */
export const TORCH_REFERENCE =
  process.env.POLYMODAL_TORCH_REFERENCE ??
  fileURLToPath(new URL('../../../../shared/bench/torch_reference.py', import.meta.url));

/**
 * Runs the PyTorch reference (Debian `python3-torch`) in this sitting and returns median ms per
 * workload label. Empty (with a note on stderr) when PyTorch or the script is missing.
 */
export function torchReference(options: {
  only: string[];
  seconds: number;
  threads?: number;
}): Map<string, number> {
  const result = new Map<string, number>();
  if (!existsSync(TORCH_REFERENCE) || !existsSync('/usr/bin/python3')) {
    console.error(
      `No PyTorch reference at ${TORCH_REFERENCE} (apt-get install python3-torch); ratios omitted.`,
    );
    return result;
  }
  try {
    const out = execFileSync(
      '/usr/bin/python3',
      [
        TORCH_REFERENCE,
        '--json',
        '--threads',
        String(options.threads ?? 1),
        '--max-seconds',
        String(options.seconds),
        '--only',
        options.only.join(','),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    for (const line of out.trim().split('\n')) {
      const r = JSON.parse(line) as { workload: string; median_ms: number };
      result.set(r.workload, r.median_ms);
    }
  } catch (error) {
    console.error(`PyTorch reference failed: ${(error as Error).message.split('\n')[0]}`);
  }
  return result;
}

/** The reference time of the first workload whose label starts with `prefix`. */
export function referenceFor(reference: Map<string, number>, prefix: string): number | undefined {
  return [...reference.entries()].find(([k]) => k.startsWith(prefix))?.[1];
}
