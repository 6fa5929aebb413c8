// Draws the home page's picture, docs/public/sine-mdn.png: the conditional density p(t | s) an MDN
// ensemble learns on the sine inverse problem, beside the exact one, with the training points.
// Run from docs/: `npx tsx --conditions=@polymodal/source scripts/sine-density.ts` (about 10 s).
import { mkdirSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { sineInverse, sineInverseLogProb } from '@polymodal/datasets';
import { MixtureDensityNetwork } from '@polymodal/mdn';
import { initBackend } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';

await initBackend({ backend: 'wasm' });
const train = sineInverse(1000, { seed: 0 });
const mdn = new MixtureDensityNetwork({ inputDim: 1, outputDim: 1, members: 3, seed: 0 });
await mdn.fit(train.x, train.y, { iterations: 2000 });

// A grid over s (columns) and t (rows).
const [S, T] = [160, 120];
const [sLo, sHi, tLo, tHi] = [-1.6, 1.6, -1.6, 1.6];
const s = Array.from({ length: S * T }, (_, q) => sLo + ((q % S) + 0.5) * ((sHi - sLo) / S));
const t = Array.from({ length: S * T }, (_, q) => tHi - (Math.floor(q / S) + 0.5) * ((tHi - tLo) / T));
const xs = tf.tensor2d(s, [S * T, 1]);
const ts = tf.tensor2d(t, [S * T, 1]);
const learned = mdn.logProb(xs, ts);
const exact = sineInverseLogProb(xs, ts);
const [lv, ev, px, py] = await Promise.all([learned.data(), exact.data(), train.x.data(), train.y.data()]);
tf.dispose([xs, ts, learned, exact]);
mdn.dispose();
train.dispose();

// Viridis-like ramp on the density (square root: the faint branches show), rendered as a PNG.
const ramp = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];
const colour = (v: number): number[] => {
  const u = Math.max(0, Math.min(0.9999, v)) * (ramp.length - 1);
  const i = Math.floor(u);
  const [a, b] = [ramp[i] as number[], ramp[i + 1] as number[]];
  return a.map((c, k) => Math.round(c * (1 - (u - i)) + (b[k] as number) * (u - i)));
};
const cell = 3;
const gap = 24;
const [W, H] = [S * cell, T * cell];
const width = 2 * W + gap;
const image = new Uint8Array(width * H * 3).fill(255);
const paint = (x: number, y: number, rgb: number[]) => {
  if (x < 0 || y < 0 || x >= width || y >= H) return;
  image.set(rgb, 3 * (y * width + x));
};
[lv, ev].forEach((values, p) => {
  const ox = p * (W + gap);
  const max = Math.max(...Array.from(values, (v) => Math.exp(v)));
  for (let q = 0; q < S * T; q++) {
    const rgb = colour(Math.sqrt(Math.exp(values[q] as number) / max));
    for (let a = 0; a < cell; a++)
      for (let b = 0; b < cell; b++) paint(ox + (q % S) * cell + a, Math.floor(q / S) * cell + b, rgb);
  }
  for (let i = 0; i < 250; i++) {
    const cx = Math.round(ox + (((px[i] as number) - sLo) / (sHi - sLo)) * W);
    const cy = Math.round(((tHi - (py[i] as number)) / (tHi - tLo)) * H);
    for (const [a, b] of [
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
    ] as const)
      paint(cx + a, cy + b, [255, 255, 255]);
  }
});

// A minimal PNG: 8-bit RGB, filter 0 on every row, one zlib stream, CRC-32 per chunk.
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (bytes: Uint8Array) => {
  let c = 0xffffffff;
  for (const b of bytes) c = (crcTable[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type: string, data: Uint8Array) => {
  const body = new Uint8Array(4 + data.length);
  body.set(Buffer.from(type, 'ascii'));
  body.set(data, 4);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.set(body, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
};
const header = Buffer.alloc(13);
header.writeUInt32BE(width, 0);
header.writeUInt32BE(H, 4);
header.set([8, 2, 0, 0, 0], 8);
const raw = new Uint8Array(H * (1 + 3 * width));
for (let y = 0; y < H; y++)
  raw.set(image.subarray(3 * y * width, 3 * (y + 1) * width), y * (1 + 3 * width) + 1);
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', header),
  chunk('IDAT', deflateSync(raw, { level: 9 })),
  chunk('IEND', new Uint8Array(0)),
]);
mkdirSync(new URL('../public/', import.meta.url), { recursive: true });
writeFileSync(new URL('../public/sine-mdn.png', import.meta.url), png);
console.log(`wrote docs/public/sine-mdn.png (${(png.length / 1024).toFixed(0)} KB)`);
