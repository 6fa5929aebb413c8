import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { formatDemo, runDemo } from './demo.js';
import { textPlot } from './plot.js';

describe('demo', () => {
  it('learns the branches of the sine inverse problem close to the exact density, and cleans up', async () => {
    const before = tf.memory().numTensors;
    const s = await runDemo({ iterations: 2500, members: 2, seed: 1, backend: 'wasm' });
    expect(tf.memory().numTensors).toBe(before);
    expect(s.backend.name).toBe('wasm');
    // At this budget the ensemble NLL is about 0.2 above the exact one (0.1 at 4000 iterations, E = 3).
    expect(s.nll.ensemble).toBeLessThan(s.nll.exact + 0.3);
    expect(s.nll.ensemble).toBeGreaterThan(s.nll.exact - 0.05);
    const atMinusOne = s.modes.find((m) => m.s === -1);
    expect(atMinusOne?.exact.length).toBe(2);
    for (const t of atMinusOne?.exact ?? [])
      expect(Math.min(...(atMinusOne?.learned ?? []).map((l) => Math.abs(l - t)))).toBeLessThan(0.2);
    const text = formatDemo(s);
    expect(text).toMatch(/exact conditional density/);
    expect(text).toMatch(/learned branches/);
  });
});

describe('textPlot', () => {
  it('puts the max on the top row and the min on the bottom row', () => {
    const out = textPlot([0, 1, 2], [{ y: [0, 2, 1], mark: '*', label: 'y' }], 3).split('\n');
    expect(out[0]).toBe('  2.00 │ * ');
    expect(out[1]).toBe('       │  *');
    expect(out[2]).toBe('  0.00 │*  ');
    expect(out.at(-1)).toBe('        * y');
  });
});
