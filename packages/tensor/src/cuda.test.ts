import { describe, expect, it } from 'vitest';
import { CUDA_LIBRARIES, checkCuda, cudaProblem } from './cuda.js';

const probe = (files: string[], ldconfig = '', env: Record<string, string> = {}) => ({
  exists: (p: string) => files.includes(p),
  ldconfig: () => ldconfig,
  env,
});

describe('checkCuda: does tfjs-node-gpu 4.22 have what it needs to use the GPU?', () => {
  it('a CPU machine: no driver, every library missing, said in words', () => {
    const check = checkCuda(probe([]));
    expect(check).toEqual({ driver: false, missing: [...CUDA_LIBRARIES] });
    expect(cudaProblem(check)).toBe(
      'no NVIDIA driver (/dev/nvidia0); missing libcudart.so.11.0, libcublas.so.11, libcudnn.so.8 (CUDA 11.2 / cuDNN 8.1)',
    );
  });

  it('CUDA 12 only (libcudart.so.12) counts as missing: TF 2.9 cannot use it', () => {
    const check = checkCuda(
      probe([
        '/dev/nvidia0',
        '/usr/local/cuda/lib64/libcudart.so.12',
        '/usr/local/cuda/lib64/libcublas.so.12',
      ]),
    );
    expect(check.driver).toBe(true);
    expect(check.missing).toEqual([...CUDA_LIBRARIES]);
  });

  it('found through LD_LIBRARY_PATH, CUDA_HOME or the loader cache: nothing missing', () => {
    const check = checkCuda(
      probe(
        ['/dev/nvidia0', '/opt/c/lib64/libcudart.so.11.0', '/opt/dnn/libcudnn.so.8'],
        '\tlibcublas.so.11 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcublas.so.11\n',
        { CUDA_HOME: '/opt/c', LD_LIBRARY_PATH: '/opt/dnn:' },
      ),
    );
    expect(check).toEqual({ driver: true, missing: [] });
    expect(cudaProblem(check)).toBeUndefined();
  });
});
