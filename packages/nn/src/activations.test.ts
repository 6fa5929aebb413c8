import { initBackend } from '@polymodal/tensor';
import { expectClose, take } from '@polymodal/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { activationForms as forms } from '../test/activation_forms.js';
import { ACTIVATIONS, activate } from './activations.js';

describe.each(['wasm', 'cpu'] as const)('activations on %s', (backend) => {
  it.each([...ACTIVATIONS])('%s: values and gradients match the float64 closed forms', async (a) => {
    await initBackend({ backend });
    const xs = [-6, -3, -1.5, -0.7, -0.1, 0.05, 0.4, 1, 2.5, 7];
    const x = tf.tensor1d(xs);
    const [f, df] = forms[a];
    const y = activate(x, a); // 'linear' returns x itself
    expectClose(Array.from(y.dataSync()), xs.map(f), 1e-6, 2e-7);
    if (y !== x) y.dispose();
    const g = tf.grad((t: tf.Tensor) => tf.sum(activate(t, a)))(x);
    expectClose(take(g), xs.map(df), 1e-5, 1e-6);
    x.dispose();
  });
});
