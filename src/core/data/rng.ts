/**
 * A small seeded pseudo-random generator: xoshiro128** seeded through splitmix32.
 * Same seed -> same sequence on every machine and backend (plain 32-bit integer arithmetic),
 * which Math.random() cannot give. Used for noise sets, splits, shuffles and augmentation.
 */
export interface Rng {
  /** A float in [0, 1), 32 bits of randomness. */
  next(): number;
  /** An integer in [0, n), n >= 1 (rejection-free multiply; bias < n / 2^32). */
  int(n: number): number;
  /** A standard normal sample (Box-Muller, the second value of each pair kept for the next call). */
  normal(): number;
  /** A raw uint32. */
  nextUint32(): number;
}

/** Folds any number (negative, fractional, large) into a uint32 seed. */
function seedToUint32(seed: number): number {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  const whole = Math.trunc(seed);
  // Mix the high part too, so 1 and 2^32 + 1 give different streams.
  const high = Math.floor(whole / 0x1_0000_0000);
  return (whole ^ Math.imul(high, 0x9e3779b9)) >>> 0;
}

/** splitmix32: spreads one 32-bit seed over xoshiro's 128-bit state (never all zero). */
function splitmix32(state: number): { value: number; state: number } {
  state = (state + 0x9e3779b9) | 0;
  let z = state;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return { value: z >>> 0, state };
}

class Xoshiro128StarStar implements Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | undefined;

  constructor(seed: number) {
    let state = seedToUint32(seed);
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const out = splitmix32(state);
      state = out.state;
      words.push(out.value);
    }
    [this.s0, this.s1, this.s2, this.s3] = words;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  next(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  normal(): number {
    if (this.spareNormal !== undefined) {
      const spare = this.spareNormal;
      this.spareNormal = undefined;
      return spare;
    }
    // 1 - next() is in (0, 1], so the log is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - this.next()));
    const angle = 2 * Math.PI * this.next();
    this.spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export function createRng(seed: number): Rng {
  return new Xoshiro128StarStar(seed);
}

/**
 * A seed for a named sub-stream (e.g. deriveSeed(seed, 'validation-split')), so that two uses
 * of one user seed do not draw the same numbers. FNV-1a over the label, mixed with the seed.
 */
export function deriveSeed(seed: number, label: string): number {
  let hash = 0x811c9dc5 ^ seedToUint32(seed);
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return splitmix32(hash).value;
}

/** 0..n-1 in a seeded random order (Fisher-Yates). */
export function shuffledIndices(n: number, rng: Rng): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = order[i];
    order[i] = order[j];
    order[j] = tmp;
  }
  return order;
}
