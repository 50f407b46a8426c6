/**
 * A small seeded random generator (sfc32) for tests that must be replayable from a printed seed, and an
 * OpenTelemetry `IdGenerator` drawing from it, so that even the span ids of a fuzz run follow the seed.
 */
import type { IdGenerator } from '@opentelemetry/sdk-trace-base';

export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    // The first outputs of sfc32 still show the seed: discard them.
    for (let i = 0; i < 15; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(0, items.length - 1)] as T;
  }

  /** Picks a key of `weights` with probability proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as [K, number][];
    let total = 0;
    for (const [, w] of entries) total += w;
    let x = this.next() * total;
    for (const [k, w] of entries) {
      x -= w;
      if (x < 0) return k;
    }
    return entries[entries.length - 1]![0];
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.uint32() & 0xff;
    return out;
  }

  /** Lowercase hex of `n` random bytes, never all zero (an all-zero id is invalid in OTLP). */
  hexId(n: number): string {
    for (;;) {
      const hex = this.bytes(n).toString('hex');
      if (/[^0]/.test(hex)) return hex;
    }
  }
}

/** Trace and span ids drawn from `random`. */
export function seededIdGenerator(random: SeededRandom): IdGenerator {
  return {
    generateTraceId: () => random.hexId(16),
    generateSpanId: () => random.hexId(8),
  };
}

/** A seed from the environment variable `name` (decimal or 0x-hex), else a fresh one. */
export function seedFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  // `random` explores a new seed each run; the default is fixed so that `npm test` is reproducible.
  if (raw === 'random') return (Date.now() ^ (process.pid << 16)) >>> 0;
  if (raw !== undefined && raw !== '') {
    const seed = Number(raw);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`${name} must be an integer in [0, 2^32), got "${raw}"`);
    }
    return seed;
  }
  return fallback;
}
