import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/** Reads a JSON fixture written by a generator script (infinities stored as strings). */
export function readFixture<T>(url: URL): T {
  const text = readFileSync(url, 'utf8');
  return JSON.parse(text, (_k, v) => (v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v)) as T;
}

/** Asserts elementwise |a − e| ≤ atol + rtol·|e|, with infinities matched exactly. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol = 1e-5,
  atol = 1e-6,
): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    if (!Number.isFinite(e)) {
      expect(a, `entry ${i}`).toBe(e);
      continue;
    }
    const tol = atol + rtol * Math.abs(e);
    if (!(Math.abs(a - e) <= tol)) {
      throw new Error(`entry ${i}: got ${a}, expected ${e} (|diff| ${Math.abs(a - e)} > tol ${tol})`);
    }
  }
}

/** Runs `fn` and asserts it leaves no tensor behind. */
export async function expectNoLeak(fn: () => unknown): Promise<void> {
  const before = tf.memory().numTensors;
  await fn();
  expect(tf.memory().numTensors).toBe(before);
}

/** Reads a tensor's values as plain numbers and disposes it. */
export function take(t: tf.Tensor): number[] {
  const values = Array.from(t.dataSync() as Float32Array);
  t.dispose();
  return values;
}

/** Saves a model to memory through `model.save(handler)` and returns the artifacts. */
export async function toMemory(model: {
  save: (location: tf.io.IOHandler) => Promise<unknown>;
}): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return saved as tf.io.ModelArtifacts;
}

const SYNC_READS = ['dataSync', 'arraySync', 'bufferSync'] as const;

/**
 * Runs `fn` and returns where it read tensors synchronously (`dataSync`, `arraySync`,
 * `bufferSync`; each read still happens): a hot path must read with `await data()`, because a
 * synchronous read stalls a GPU queue (and throws on WebGPU in Node).
 */
export async function syncReadsDuring(fn: () => unknown): Promise<string[]> {
  const proto = tf.Tensor.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const saved = SYNC_READS.map((name) => proto[name]);
  const seen: string[] = [];
  SYNC_READS.forEach((name, i) => {
    const read = saved[i] as (...args: unknown[]) => unknown;
    proto[name] = function recorded(this: tf.Tensor, ...args: unknown[]): unknown {
      seen.push(`${name} ${new Error().stack?.split('\n')[2]?.trim() ?? ''}`);
      return read.apply(this, args);
    };
  });
  try {
    await fn();
  } finally {
    SYNC_READS.forEach((name, i) => {
      proto[name] = saved[i] as (...args: unknown[]) => unknown;
    });
  }
  return seen;
}
