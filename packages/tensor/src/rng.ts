import { ValueError } from './errors.js';
import { assertSeed, describeValue } from './options.js';
import { assertNumber, assertPositiveInteger } from './validate.js';

const GOLDEN = 0x9e3779b9;

/** Murmur3's 32-bit finaliser: a bijective avalanche mix of a 32-bit integer. */
function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hashString(s: string): number {
  let h = 0x811c9dc5; // FNV-1a, then mixed
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return mix32(h);
}

function seedToState(seed: number | string): number {
  if (typeof seed === 'string') return hashString(seed);
  assertSeed(seed);
  // Fold the high bits of large integers in, so 1 and 2**32 + 1 differ.
  return mix32((seed >>> 0) ^ mix32(Math.floor(seed / 4294967296) >>> 0));
}

/**
 * A small counter-based random number generator (a splitmix-style stream over 32-bit words) whose
 * only job is to hand out reproducible, independent seeds: to tfjs random ops (`seed()`), to child
 * generators (`split`, `fold`) and to the few host-side draws (`uniform`, `permutation`).
 *
 * Every stochastic polymodal API takes a `seed`; inside, it builds one `Rng` and derives every
 * random choice from it, so the same seed gives the same result on the same backend.
 *
 * @example
 * ```ts
 * const rng = new Rng(42);
 * const [a, b] = rng.split(2);           // independent streams
 * tf.randomNormal([3], 0, 1, 'float32', a.seed());
 * ```
 */
export class Rng {
  private state: number;

  /** @param seed an integer or a string (hashed). */
  constructor(seed: number | string) {
    this.state = seedToState(seed);
  }

  /** A fresh seed drawn from `Math.random`, for APIs called without one (not reproducible). */
  static randomSeed(): number {
    return Math.floor(Math.random() * 2147483647);
  }

  /** The next uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    this.state = (this.state + GOLDEN) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  }

  /** A uniform draw in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A standard normal draw (Box–Muller; host side, for small setup work). */
  normal(): number {
    const u1 = 1 - this.uniform();
    const u2 = this.uniform();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** An integer seed in [0, 2^31 − 1) for a tfjs random op (`tf.randomNormal(..., seed)`). */
  seed(): number {
    return this.nextUint32() % 2147483647;
  }

  /** An integer uniformly drawn from [0, n), n ≤ 2³² (one 32-bit word per draw). */
  int(n: number): number {
    // Beyond 2³² the rejection limit below is 0 and every draw would be rejected forever.
    assertPositiveInteger(n, 'n', 4294967296);
    // Rejection removes the modulo bias.
    const limit = 4294967296 - (4294967296 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    assertNumber(n, 'n', { integer: true, min: 0, max: 2 ** 30 });
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i] as number;
      p[i] = p[j] as number;
      p[j] = t;
    }
    return p;
  }

  /** `n` independent child generators; advances this one. */
  split(n: number): Rng[] {
    assertPositiveInteger(n, 'n', 1 << 24);
    return Array.from({ length: n }, () => Rng.fromState(mix32(this.nextUint32() ^ 0x5bd1e995)));
  }

  /**
   * A child generator determined by this generator's current state and `data` (an index, a
   * name); does not advance this one. `rng.fold(e)` gives member e its own stream.
   */
  fold(data: number | string): Rng {
    if (typeof data !== 'string' && !(typeof data === 'number' && Number.isSafeInteger(data))) {
      throw new ValueError(`fold data must be an integer or a string, got ${describeValue(data)}.`);
    }
    const d = typeof data === 'string' ? hashString(data) : mix32(data >>> 0);
    return Rng.fromState(mix32(this.state ^ mix32(d + GOLDEN)));
  }

  private static fromState(state: number): Rng {
    const r = new Rng(0);
    r.state = state >>> 0;
    return r;
  }
}
