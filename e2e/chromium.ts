// Debian's Chromium (apt-get install chromium) headless through playwright-core, with the flags this
// machine kind needs (toolchain.md): no sandbox as root, and no background networking, which the
// closed network would refuse.
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Launches Chromium, or throws saying how to install it. With `webgpu`, pages get a WebGPU adapter
 * on Chromium's bundled SwiftShader (software Vulkan: function, not speed).
 */
export async function launchChromium(options: { webgpu?: boolean } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`No Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH).`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      // The GPU process hosts SwiftShader's WebGPU; without WebGPU, no GPU at all.
      ...(options.webgpu ? [] : ['--disable-gpu']),
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      ...(options.webgpu
        ? ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--disable-gpu-watchdog']
        : []),
    ],
  });
}
