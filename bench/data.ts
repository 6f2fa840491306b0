/**
 * Deterministic pseudo-random blob contents, generated on the fly so that no blob is ever
 * held in memory whole. A blob is a sequence of 1 MiB blocks: one random base block per
 * seed, copied for every block with the block number and the seed stamped into its first
 * bytes, so every block (and every blob) differs while generation costs one memcpy per MiB.
 */
import { createHash } from "node:crypto";

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
export const BLOCK_SIZE = MiB;

/** mulberry32: a tiny, fast 32-bit PRNG; good enough for incompressible-looking bytes. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function baseBlock(seed: number): Buffer {
  const next = mulberry32(seed);
  const words = new Uint32Array(BLOCK_SIZE / 4);
  for (let i = 0; i < words.length; i++) words[i] = next();
  return Buffer.from(words.buffer, words.byteOffset, words.byteLength);
}

/** The bytes of one deterministic blob: `size` bytes determined by `seed` alone. */
export class PatternBlob {
  readonly seed: number;
  readonly size: number;
  private readonly base: Buffer;

  constructor(seed: number, size: number) {
    if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`bad blob size ${size}`);
    this.seed = seed >>> 0;
    this.size = size;
    this.base = baseBlock(this.seed);
  }

  get blockCount(): number {
    return Math.ceil(this.size / BLOCK_SIZE);
  }

  /** Block `index` as a new buffer (the caller may hand it to a socket and forget it). */
  block(index: number): Buffer {
    if (!Number.isInteger(index) || index < 0 || index >= this.blockCount) throw new RangeError(`block ${index} out of range`);
    const length = Math.min(BLOCK_SIZE, this.size - index * BLOCK_SIZE);
    const out = Buffer.allocUnsafe(length);
    this.base.copy(out, 0, 0, length);
    // Stamp the block number and the seed (as far as the block is long).
    const stamp = Buffer.alloc(8);
    stamp.writeUInt32LE(index >>> 0, 0);
    stamp.writeUInt32LE(this.seed, 4);
    stamp.copy(out, 0, 0, Math.min(8, length));
    return out;
  }

  /** The bytes in [start, end) as a sequence of buffers of at most one block each. */
  *chunks(start = 0, end = this.size): Generator<Buffer> {
    if (start < 0 || end > this.size || start > end) throw new RangeError(`range ${start}-${end} outside 0-${this.size}`);
    let position = start;
    while (position < end) {
      const index = Math.floor(position / BLOCK_SIZE);
      const blockStart = index * BLOCK_SIZE;
      const block = this.block(index);
      const from = position - blockStart;
      const to = Math.min(block.length, end - blockStart);
      yield from === 0 && to === block.length ? block : block.subarray(from, to);
      position = blockStart + to;
    }
  }

  /** "sha256:<hex>" of the whole blob, computed by streaming it once (memoised). */
  digest(): string {
    const key = `${this.seed}:${this.size}`;
    const cached = digestCache.get(key);
    if (cached) return cached;
    const hash = createHash("sha256");
    for (const chunk of this.chunks()) hash.update(chunk);
    const digest = `sha256:${hash.digest("hex")}`;
    digestCache.set(key, digest);
    return digest;
  }
}

const digestCache = new Map<string, string>();

/** Splits [0, size) into consecutive [start, end) ranges of `chunkSize` bytes (the last may be shorter). */
export function chunkRanges(size: number, chunkSize: number): Array<[number, number]> {
  if (chunkSize <= 0) throw new RangeError("chunk size must be positive");
  const ranges: Array<[number, number]> = [];
  for (let start = 0; start < size; start += chunkSize) ranges.push([start, Math.min(size, start + chunkSize)]);
  return ranges;
}
