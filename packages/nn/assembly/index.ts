// The host path's kernels, one WebAssembly module (see scripts/build-wasm.mjs).
export { gemm, transpose, columnSums } from './dense';
export { activationForward, activationBackward } from './activations';
export { adamUpdate } from './adam';
export { mixtureNll, mixtureNllScratch, meanSquaredError } from './losses';
