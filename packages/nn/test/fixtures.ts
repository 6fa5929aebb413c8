// Typed access to the PyTorch / NumPy fixtures written by fixtures/generate_nn.py.
import { readFixture } from '@polymodal/test-utils';

/** One activation's PyTorch float64 forward pass and MSE-loss gradients. */
export interface MlpCase {
  out: number[];
  loss: number;
  grads: number[][];
}

/** Everything in fixtures/nn.json. */
export interface NnFixture {
  mlp: { x: number[][]; y: number[][]; weights: (number[] | number[][])[]; cases: Record<string, MlpCase> };
  optim: {
    x: number[][];
    y: number[][];
    w0: number[][];
    b0: number[];
    runs: Record<string, { w: number[]; b: number[] }[]>;
  };
  agc: {
    clipping: number;
    gk: number[][];
    pk: number[][];
    gb: number[];
    pb: number[];
    k: number[];
    b: number[];
  };
}

export const nnFixture = readFixture<NnFixture>(new URL('./fixtures/nn.json', import.meta.url));
