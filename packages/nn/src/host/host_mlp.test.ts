import { expectClose } from '@polymodal/test-utils';
import { describe, expect, it } from 'vitest';
import { type MlpCase, nnFixture } from '../../test/fixtures.js';
import type { Activation } from '../activations.js';
import { type DenseKernels, WasmDenseKernels } from '../kernels/dense_wasm.js';
import { type HostMlp, hostBackward, hostForward, hostTape, typescriptDenseKernels } from './host_mlp.js';

const fx = nnFixture.mlp;

/** The TypeScript loops, or the WebAssembly kernels with every array in their memory. */
function kernelsFor(name: string): { kernels: DenseKernels; alloc: (n: number) => Float32Array } {
  if (name === 'typescript') return { kernels: typescriptDenseKernels, alloc: (n) => new Float32Array(n) };
  const wasm = WasmDenseKernels.create(4096, 64);
  return { kernels: wasm, alloc: (n) => wasm.alloc(n) };
}

const CASES = ['typescript', 'wasm'].flatMap((k) => Object.keys(fx.cases).map((a) => [k, a]));

describe('host MLP vs PyTorch float64', () => {
  it.each(CASES)('%s kernels, %s: outputs and weight gradients of the MSE loss', (name, activation) => {
    const ref = fx.cases[activation] as MlpCase;
    const { kernels, alloc } = kernelsFor(name);
    const flat = fx.weights.map((w) => {
      const values = (w as number[][]).flat?.() ?? (w as number[]);
      const a = alloc(values.length);
      a.set(values);
      return a;
    });
    const net: HostMlp = {
      sizes: [3, 4, 4, 2],
      activation: activation as Activation,
      outputActivation: 'linear',
      kernels: [flat[0], flat[2], flat[4]] as Float32Array[],
      biases: [flat[1], flat[3], flat[5]] as Float32Array[],
    };
    const rows = fx.x.length;
    const tape = hostTape(net, rows, alloc);
    (tape.a[0] as Float32Array).set(fx.x.flat());
    const out = hostForward(net, tape, kernels);
    expectClose(out, ref.out, 1e-5, 1e-6);
    // MSE = mean over rows × 2 outputs; ∂/∂out = 2 (out − y) / (rows · 2).
    const y = fx.y.flat();
    const dOut = tape.da[3] as Float32Array;
    let loss = 0;
    out.forEach((o, i) => {
      loss += (o - (y[i] as number)) ** 2 / out.length;
      dOut[i] = (2 * (o - (y[i] as number))) / out.length;
    });
    expect(loss).toBeCloseTo(ref.loss, 6);
    const gk = net.kernels.map((k) => alloc(k.length));
    const gb = net.biases.map((b) => alloc(b.length));
    hostBackward(net, tape, gk, gb, kernels);
    const grads = gk.flatMap((k, l) => [k, gb[l] as Float32Array]);
    grads.forEach((g, i) => {
      expectClose(g, ref.grads[i] as number[], 1e-4, 1e-6);
    });
  });
});
