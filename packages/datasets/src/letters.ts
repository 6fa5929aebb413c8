import {
  assertNumber,
  assertPositiveInteger,
  checkOptions,
  optionKeys,
  type Rng,
  ValueError,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { type GeneratorOptions, MAX_SAMPLES, start } from './dataset.js';

/** The capitals {@link lettersRotation} can draw. */
export const LETTERS = ['L', 'T', 'V', 'X', 'Z', 'N', 'M', 'W', 'H', 'E', 'F', 'K'] as const;

/** One of {@link LETTERS}. */
export type Letter = (typeof LETTERS)[number];

type Point = readonly [number, number];

// Stroke polylines in a box of height 1 (x to the right, y up); each array is one pen stroke.
const STROKES: Record<Letter, readonly (readonly Point[])[]> = {
  L: [
    [
      [0, 1],
      [0, 0],
      [0.6, 0],
    ],
  ],
  T: [
    [
      [0, 1],
      [0.7, 1],
    ],
    [
      [0.35, 1],
      [0.35, 0],
    ],
  ],
  V: [
    [
      [0, 1],
      [0.35, 0],
      [0.7, 1],
    ],
  ],
  X: [
    [
      [0, 1],
      [0.7, 0],
    ],
    [
      [0, 0],
      [0.7, 1],
    ],
  ],
  Z: [
    [
      [0, 1],
      [0.7, 1],
      [0, 0],
      [0.7, 0],
    ],
  ],
  N: [
    [
      [0, 0],
      [0, 1],
      [0.7, 0],
      [0.7, 1],
    ],
  ],
  M: [
    [
      [0, 0],
      [0, 1],
      [0.4, 0.4],
      [0.8, 1],
      [0.8, 0],
    ],
  ],
  W: [
    [
      [0, 1],
      [0.2, 0],
      [0.4, 0.6],
      [0.6, 0],
      [0.8, 1],
    ],
  ],
  H: [
    [
      [0, 0],
      [0, 1],
    ],
    [
      [0.7, 0],
      [0.7, 1],
    ],
    [
      [0, 0.5],
      [0.7, 0.5],
    ],
  ],
  E: [
    [
      [0.6, 1],
      [0, 1],
      [0, 0],
      [0.6, 0],
    ],
    [
      [0, 0.5],
      [0.45, 0.5],
    ],
  ],
  F: [
    [
      [0.6, 1],
      [0, 1],
      [0, 0],
    ],
    [
      [0, 0.5],
      [0.45, 0.5],
    ],
  ],
  K: [
    [
      [0, 0],
      [0, 1],
    ],
    [
      [0.6, 1],
      [0, 0.4],
    ],
    [
      [0.2, 0.52],
      [0.6, 0],
    ],
  ],
};

/** A letter's segments `[ax, ay, bx, by]`, centred on their arc-length centroid, and their lengths. */
interface Glyph {
  segments: Float64Array;
  cumulative: Float64Array;
}

const GLYPHS = new Map<Letter, Glyph>();

/** The segments of `letter`, centred so the noiseless letter's mean is the origin. */
function glyph(letter: Letter): Glyph {
  const cached = GLYPHS.get(letter);
  if (cached !== undefined) return cached;
  const segs: number[] = [];
  for (const stroke of STROKES[letter])
    for (let i = 1; i < stroke.length; i++) segs.push(...(stroke[i - 1] as Point), ...(stroke[i] as Point));
  const m = segs.length / 4;
  const cumulative = new Float64Array(m);
  let total = 0;
  let cx = 0;
  let cy = 0;
  for (let s = 0; s < m; s++) {
    const [ax, ay, bx, by] = segs.slice(4 * s, 4 * s + 4) as [number, number, number, number];
    const len = Math.hypot(bx - ax, by - ay);
    total += len;
    cumulative[s] = total;
    cx += (len * (ax + bx)) / 2;
    cy += (len * (ay + by)) / 2;
  }
  cx /= total;
  cy /= total;
  const segments = Float64Array.from(segs, (v, i) => v - (i % 2 === 0 ? cx : cy));
  const g = { segments, cumulative };
  GLYPHS.set(letter, g);
  return g;
}

/** One point uniform along the letter's strokes (by arc length), jittered, rotated by `angle`. */
function drawPoint(
  g: Glyph,
  jitter: number,
  cos: number,
  sin: number,
  rng: Rng,
  out: Float64Array,
  at: number,
): void {
  const total = g.cumulative[g.cumulative.length - 1] as number;
  const u = rng.uniform() * total;
  let s = 0;
  while (s < g.cumulative.length - 1 && (g.cumulative[s] as number) < u) s++;
  const start = s === 0 ? 0 : (g.cumulative[s - 1] as number);
  const f = (u - start) / ((g.cumulative[s] as number) - start);
  const [ax, ay, bx, by] = g.segments.subarray(4 * s, 4 * s + 4) as unknown as [
    number,
    number,
    number,
    number,
  ];
  const x = ax + f * (bx - ax) + jitter * rng.normal();
  const y = ay + f * (by - ay) + jitter * rng.normal();
  out[at] = cos * x - sin * y;
  out[at + 1] = sin * x + cos * y;
}

/** Options of {@link lettersRotation}. */
export interface LettersRotationOptions extends GeneratorOptions {
  /** The letters. Default all of {@link LETTERS}. */
  letters?: readonly Letter[];
  /** Rotation angles in degrees, counter-clockwise. Default 0, 30, …, 330. */
  angles?: readonly number[];
  /** Points per (letter, angle) population. Default 500. */
  perCondition?: number;
  /** Std of the Gaussian jitter around the strokes, in letter heights. Default 0.05. */
  jitter?: number;
}

/** One population of a {@link LettersRotationData}. */
export interface LettersPopulation {
  /** The capital. */
  letter: Letter;
  /** The rotation in degrees, counter-clockwise. */
  angle: number;
}

/** A letters × rotation data set: populations of 2-D points with their descriptors. */
export interface LettersRotationData {
  /** Points `[N, 2]`, population after population. */
  x: tf.Tensor2D;
  /**
   * Descriptors `[N, letters + 2]`: the letter one-hot (in the order of `letters`), then
   * `cos θ`, `sin θ`.
   */
  conditions: tf.Tensor2D;
  /** The population of each row (an index into `populations`). */
  groups: number[];
  /** The (letter, angle in degrees) of each population. */
  populations: LettersPopulation[];
  /** Frees `x` and `conditions`. */
  dispose(): void;
}

const KEYS = optionKeys<LettersRotationOptions>()(['seed', 'letters', 'angles', 'perCondition', 'jitter']);

/**
 * The letters × rotation benchmark (polymodal's own design, spec flow-matching §11; the MixFlow
 * paper's letter generator is not released): each population is a capital drawn as a point cloud
 * uniform along hand-coded stroke polylines, jittered by a Gaussian, centred on its centroid, of
 * unit height, rotated by θ. The descriptor is the letter one-hot and `(cos θ, sin θ)`, so a model
 * can be asked for rotations it never saw. Owned by the caller (`dispose()`).
 */
export function lettersRotation(options: LettersRotationOptions = {}): LettersRotationData {
  checkOptions(options, KEYS, 'lettersRotation');
  const letters = options.letters ?? LETTERS;
  const angles = options.angles ?? Array.from({ length: 12 }, (_, k) => 30 * k);
  const per = options.perCondition ?? 500;
  if (!Array.isArray(letters) || letters.length === 0 || !letters.every((l) => LETTERS.includes(l)))
    throw new ValueError(`lettersRotation: letters must be a non-empty list of ${LETTERS.join(', ')}.`);
  if (new Set(letters).size !== letters.length) throw new ValueError('lettersRotation: letters repeat.');
  if (!Array.isArray(angles) || angles.length === 0 || !angles.every(Number.isFinite))
    throw new ValueError('lettersRotation: angles must be a non-empty list of finite degrees.');
  assertPositiveInteger(per, 'lettersRotation: perCondition', MAX_SAMPLES);
  const n = letters.length * angles.length * per;
  const rng = start(n, options, 'lettersRotation', KEYS);
  const jitter = options.jitter ?? 0.05;
  assertNumber(jitter, 'lettersRotation: jitter', { min: 0, max: 10 });
  const L = letters.length;
  const x = new Float64Array(2 * n);
  const y = new Float32Array(n * (L + 2));
  const groups: number[] = [];
  const populations: LettersRotationData['populations'] = [];
  let row = 0;
  for (const [li, letter] of letters.entries())
    for (const angle of angles) {
      const g = glyph(letter);
      const theta = (angle * Math.PI) / 180;
      const [cos, sin] = [Math.cos(theta), Math.sin(theta)];
      for (let i = 0; i < per; i++, row++) {
        drawPoint(g, jitter, cos, sin, rng, x, 2 * row);
        y[row * (L + 2) + li] = 1;
        y[row * (L + 2) + L] = cos;
        y[row * (L + 2) + L + 1] = sin;
        groups.push(populations.length);
      }
      populations.push({ letter, angle });
    }
  const xt = tf.tensor2d(Float32Array.from(x), [n, 2]);
  const yt = tf.tensor2d(y, [n, L + 2]);
  return { x: xt, conditions: yt, groups, populations, dispose: () => tf.dispose([xt, yt]) };
}
