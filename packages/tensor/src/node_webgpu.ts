// WebGPU in Node: the `webgpu` package (Dawn's Node bindings, an optional peer) provides
// `navigator.gpu`, which @tensorflow/tfjs-backend-webgpu expects. A real GPU is reached through
// Dawn's default backend (Vulkan on Linux); without one, Dawn's OpenGL ES backend runs on Mesa's
// llvmpipe in software, at a fraction of the CPU path's speed: it is used only when asked for.

/** The WebGPU adapter in use. */
export interface WebgpuAdapter {
  /** What the driver says it is (device and description). */
  description: string;
  /** A software rasteriser (llvmpipe, lavapipe, SwiftShader): functional, not fast. */
  software: boolean;
}

// The package name through a variable, so bundlers do not try to resolve the optional peer.
const DAWN = 'webgpu';
const SOFTWARE = /llvmpipe|lavapipe|swiftshader|softpipe|software/i;

interface GpuAdapterLike {
  info?: { device?: string; description?: string; vendor?: string };
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(options?: Record<string, unknown>): Promise<GpuAdapterLike | null>;
  wgslLanguageFeatures?: unknown;
}
interface Dawn {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

/** Whether an adapter's self-description names a software rasteriser. */
export function isSoftwareAdapter(adapter: GpuAdapterLike): boolean {
  const text = `${adapter.info?.vendor ?? ''} ${adapter.info?.device ?? ''} ${adapter.info?.description ?? ''}`;
  return adapter.isFallbackAdapter === true || SOFTWARE.test(text);
}

const describe = (adapter: GpuAdapterLike) =>
  [adapter.info?.device, adapter.info?.description].filter((s) => s !== undefined && s !== '').join(', ') ||
  'unnamed adapter';

/**
 * Installs `navigator.gpu` from the `webgpu` package, choosing a hardware adapter when one exists
 * and otherwise (only with `allowSoftware`) Mesa's llvmpipe through Dawn's OpenGL ES backend.
 * Throws (a plain Error: the caller reports it as a failed attempt) when the package is missing,
 * when no adapter exists, or when only a software one does and it was not allowed.
 */
export async function provideNodeWebgpu(options: { allowSoftware: boolean }): Promise<WebgpuAdapter> {
  if (provided !== undefined) {
    if (provided.software && !options.allowSoftware) throw softwareOnly(provided.description);
    return provided;
  }
  let dawn: Dawn;
  try {
    dawn = (await import(/* @vite-ignore */ DAWN)) as Dawn;
  } catch (error) {
    throw new Error(
      `the 'webgpu' package (Dawn for Node) is not installed (${(error as Error).message.split('\n')[0]})`,
    );
  }
  // tfjs-backend-webgpu reads GPUBufferUsage, GPUMapMode, ... as globals, as in a browser.
  for (const [key, value] of Object.entries(dawn.globals))
    if (!(key in globalThis)) (globalThis as Record<string, unknown>)[key] = value;
  const found: { gpu: GpuLike; adapter: GpuAdapterLike; extra: Record<string, unknown> }[] = [];
  const hardware = dawn.create([]);
  const first = await hardware.requestAdapter().catch(() => null);
  if (first) found.push({ gpu: hardware, adapter: first, extra: {} });
  if (!first || isSoftwareAdapter(first)) {
    // Mesa's EGL needs a platform without a display server; Dawn's GL backend only offers the
    // compatibility feature level.
    if (typeof process !== 'undefined') process.env.EGL_PLATFORM ??= 'surfaceless';
    const gles = dawn.create(['backend=opengles']);
    const extra = { featureLevel: 'compatibility' };
    const adapter = await gles.requestAdapter(extra).catch(() => null);
    if (adapter) found.push({ gpu: gles, adapter, extra });
  }
  const pick =
    found.find((f) => !isSoftwareAdapter(f.adapter)) ?? (options.allowSoftware ? found[0] : undefined);
  if (pick === undefined) {
    throw new Error(
      found.length === 0
        ? 'Dawn found no WebGPU adapter (no Vulkan driver, and no EGL/GLES driver such as Mesa for the software path)'
        : `only a software WebGPU adapter is available (${describe(found[0]?.adapter as GpuAdapterLike)}); ask for it with backend: 'webgpu'`,
    );
  }
  const gpu = {
    requestAdapter: (o: Record<string, unknown> = {}) => pick.gpu.requestAdapter({ ...o, ...pick.extra }),
    getPreferredCanvasFormat: () => 'rgba8unorm',
    wgslLanguageFeatures: pick.gpu.wgslLanguageFeatures ?? new Set(),
  };
  const g = globalThis as unknown as { navigator?: Record<string, unknown> };
  if (g.navigator === undefined) g.navigator = { gpu, userAgent: `Node.js ${process.version}` };
  else Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  provided = { description: describe(pick.adapter), software: isSoftwareAdapter(pick.adapter) };
  return provided;
}

/** The adapter {@link provideNodeWebgpu} installed, once it has. */
let provided: WebgpuAdapter | undefined;

/** Whether `navigator.gpu` is the one {@link provideNodeWebgpu} installed. */
export const nodeWebgpuProvided = (): boolean => provided !== undefined;

const softwareOnly = (description: string) =>
  new Error(
    `only a software WebGPU adapter is available (${description}); ask for it with backend: 'webgpu'`,
  );
