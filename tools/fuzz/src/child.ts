// Runs a slice of one package's fuzz cases in this process and prints one JSON line per case:
// `{ i, outcome, detail }`. The parent (run.ts) watches the lines: a case that prints nothing in
// time is a hang, a process that dies mid-case a crash.
//
//   tsx --conditions=@polymodal/source src/child.ts <package> <from> <to> [i,j,k...]
import { initBackend, PolymodalError } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { type Case, casesOf } from './cases.js';
import { TARGETS } from './targets/index.js';

export type Outcome = 'typed' | 'other' | 'nan' | 'accepted';

/** Whether a result holds a non-finite number anywhere (tensors are read). */
async function hasNonFinite(value: unknown, seen = new Set<unknown>()): Promise<boolean> {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (value === null || typeof value !== 'object' || seen.has(value)) return false;
  seen.add(value);
  if (value instanceof tf.Tensor) {
    if (value.isDisposed || value.dtype === 'string') return false;
    return !(await value.data()).every((x) => Number.isFinite(Number(x)));
  }
  if (ArrayBuffer.isView(value))
    return !Array.from(value as unknown as ArrayLike<number>).every(Number.isFinite);
  for (const v of Object.values(value)) if (await hasNonFinite(v, seen)) return true;
  return false;
}

/** Disposes every tensor (and object with `dispose`) in a result. */
function release(value: unknown, seen = new Set<unknown>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (value instanceof tf.Tensor) {
    value.dispose();
    return;
  }
  const d = (value as { dispose?: unknown }).dispose;
  if (typeof d === 'function') {
    try {
      (d as () => void).call(value);
    } catch {}
    return;
  }
  for (const v of Object.values(value)) release(v, seen);
}

/** Runs one case and classifies it; `leaked` counts tensors left behind. */
export async function runCase(c: Case): Promise<{ outcome: Outcome; leaked: number; detail: string }> {
  const prepared = await c.target.prepare();
  const args = c.mutate(prepared.args);
  const before = tf.memory().numTensors;
  let outcome: Outcome;
  let detail = '';
  try {
    const result = await prepared.call(args);
    outcome = (await hasNonFinite(result)) ? 'nan' : 'accepted';
    release(result);
  } catch (error) {
    outcome = error instanceof PolymodalError ? 'typed' : 'other';
    detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
  const leaked = Math.max(0, tf.memory().numTensors - before);
  release([...prepared.args, ...args]);
  prepared.dispose?.();
  return { outcome, leaked, detail: detail.slice(0, 300) };
}

/** The cases of a package, in a fixed order. */
export function packageCases(name: string): Case[] {
  const targets = TARGETS[name];
  if (targets === undefined) throw new Error(`No fuzz targets for package '${name}'.`);
  return targets.flatMap(casesOf);
}

if (process.argv[1]?.endsWith('child.ts')) {
  const [name, from, to, picked] = process.argv.slice(2) as [string, string, string, string?];
  await initBackend({ backend: 'wasm' });
  const cases = packageCases(name);
  const indices =
    picked !== undefined && picked !== ''
      ? picked.split(',').map(Number)
      : Array.from({ length: Number(to) - Number(from) }, (_, k) => Number(from) + k);
  for (const i of indices) {
    const c = cases[i] as Case;
    const r = await runCase(c);
    process.stdout.write(`${JSON.stringify({ i, ...r })}\n`);
  }
}
