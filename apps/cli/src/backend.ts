import { type BackendInfo, initBackend } from '@polymodal/tensor';

/** The backends `--backend` accepts in Node (webgl and webgpu need a browser). */
export const BACKEND_CHOICES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;

/** A `--backend` value. */
export type CliBackend = (typeof BACKEND_CHOICES)[number];

/** Starts the backend (`--backend`, else `$POLYMODAL_BACKEND`, else auto). */
export function startBackend(backend: CliBackend | undefined): Promise<BackendInfo> {
  return initBackend(backend === undefined ? {} : { backend });
}

/** One line: the backend in use and why. */
export function describeBackend(b: BackendInfo): string {
  const threads = b.threads ? `, ${b.threads} thread${b.threads > 1 ? 's' : ''}` : '';
  return `backend: ${b.name}${b.simd ? ` (SIMD${threads})` : ''} — ${b.reason}`;
}
