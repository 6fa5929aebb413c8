import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { formatDemo, runDemo } from './demo.js';
import { textPlot } from './plot.js';

describe('demo', () => {
  it('learns the curve to the noise floor, with spread growing away from the data, and cleans up', async () => {
    const before = tf.memory().numTensors;
    // Five members: with fewer, the spread estimate itself is too noisy to compare (seen: ratio 2.7–19 at E = 3).
    const s = await runDemo({ iterations: 800, members: 5, seed: 1, backend: 'wasm' });
    expect(tf.memory().numTensors).toBe(before);
    expect(s.backend.name).toBe('wasm');
    expect(s.memberMse.length).toBe(5);
    expect(s.ensembleMse).toBeLessThan(s.noiseFloor);
    expect(s.spreadOutside).toBeGreaterThan(2 * s.spreadInside);
    const text = formatDemo(s);
    expect(text).toMatch(/ensemble-mean test MSE/);
    expect(text).toMatch(/truth sin\(3x\)/);
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
