// tfjs-node-gpu 4.22 links libtensorflow 2.9.1, built for CUDA 11.2 and cuDNN 8.1. Without those
// exact libraries (CUDA 12 has no libcudart.so.11.0) or without an NVIDIA driver, it loads and
// silently runs on the CPU: check for them, so initBackend can say so.

/** The shared libraries libtensorflow 2.9.1's GPU build opens. */
export const CUDA_LIBRARIES = ['libcudart.so.11.0', 'libcublas.so.11', 'libcudnn.so.8'] as const;

/** What the check looks at; injectable for tests. */
export interface CudaProbe {
  /** Whether a file exists. */
  exists(path: string): boolean;
  /** `ldconfig -p`'s output ('' when it cannot run). */
  ldconfig(): string;
  /** The environment (`LD_LIBRARY_PATH`, `CUDA_HOME`). */
  env: Record<string, string | undefined>;
}

/** What {@link checkCuda} found missing: nothing when the GPU build can use the GPU. */
export interface CudaCheck {
  /** Whether an NVIDIA device node exists (`/dev/nvidia0`, the driver). */
  driver: boolean;
  /** Libraries of {@link CUDA_LIBRARIES} found nowhere. */
  missing: string[];
}

/** Looks for the NVIDIA driver and CUDA 11.2 / cuDNN 8 libraries where the dynamic loader would. */
export function checkCuda(probe: CudaProbe): CudaCheck {
  const dirs = [
    ...(probe.env.LD_LIBRARY_PATH ?? '').split(':').filter((d) => d !== ''),
    ...(probe.env.CUDA_HOME ? [`${probe.env.CUDA_HOME}/lib64`] : []),
    '/usr/local/cuda/lib64',
    '/usr/local/cuda-11.2/lib64',
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib64',
  ];
  const cache = probe.ldconfig();
  const missing = CUDA_LIBRARIES.filter(
    (lib) => !cache.includes(`${lib} `) && !dirs.some((d) => probe.exists(`${d}/${lib}`)),
  );
  return { driver: probe.exists('/dev/nvidia0'), missing };
}

/** {@link checkCuda} on this machine (Node only). */
export async function checkCudaHere(): Promise<CudaCheck> {
  const { existsSync } = await import('node:fs');
  const { execFileSync } = await import('node:child_process');
  return checkCuda({
    exists: existsSync,
    ldconfig: () => {
      for (const bin of ['ldconfig', '/sbin/ldconfig'])
        try {
          return execFileSync(bin, ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        } catch {
          // Not on PATH or not runnable: try the next, then assume nothing is cached.
        }
      return '';
    },
    env: process.env,
  });
}

/** Why a tfjs-node-gpu that loaded runs on the CPU, or undefined when nothing is missing. */
export function cudaProblem(check: CudaCheck): string | undefined {
  const parts: string[] = [];
  if (!check.driver) parts.push('no NVIDIA driver (/dev/nvidia0)');
  if (check.missing.length > 0) parts.push(`missing ${check.missing.join(', ')} (CUDA 11.2 / cuDNN 8.1)`);
  return parts.length === 0 ? undefined : parts.join('; ');
}
