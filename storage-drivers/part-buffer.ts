/**
 * The bytes a streaming writer gathers before it sends them as one part (S3), segment (Swift) or
 * block (Azure): one buffer of the part's size, allocated at the first byte and reused for every
 * part after it. A writer so holds at most one part however large the object, copies each
 * incoming chunk once (so the request's chunks die young), and leaves no part-sized garbage for
 * the collector to let pile up in the old generation, as joining the chunks of each part did.
 */
export class PartBuffer {
  private buffer: Buffer | null = null;
  private filled = 0;
  private gathered = 0;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity <= 0) throw new RangeError(`part capacity must be a positive integer, got ${capacity}`);
  }

  /** Bytes gathered so far. */
  get length(): number {
    return this.filled;
  }

  get full(): boolean {
    return this.filled === this.capacity;
  }

  /** Bytes taken over the buffer's whole life, every part counted. */
  get total(): number {
    return this.gathered;
  }

  /**
   * Takes all of `chunk`, calling `flush` whenever the buffer is full; flush sends bytes() and
   * clear()s. When flush fails, the buffer keeps its bytes and the rest of the chunk is not taken.
   */
  async gather(chunk: Uint8Array, flush: () => Promise<void>): Promise<void> {
    for (let offset = 0; offset < chunk.byteLength; ) {
      offset += this.fill(chunk, offset);
      if (this.full) await flush();
    }
  }

  /** Copies as much of `chunk` from `offset` on as still fits; returns the number of bytes taken. */
  fill(chunk: Uint8Array, offset = 0): number {
    const taken = Math.min(chunk.byteLength - offset, this.capacity - this.filled);
    if (taken <= 0) return 0;
    // Not zero-filled: only bytes below `filled` are ever read, and pages never written stay unmapped.
    this.buffer ??= Buffer.allocUnsafeSlow(this.capacity);
    this.buffer.set(chunk.subarray(offset, offset + taken), this.filled);
    this.filled += taken;
    this.gathered += taken;
    return taken;
  }

  /** The gathered bytes: a view, valid until the next clear() or release(). */
  bytes(): Buffer {
    return this.buffer === null ? Buffer.alloc(0) : this.buffer.subarray(0, this.filled);
  }

  /** Empties the buffer for the next part, keeping its memory. */
  clear(): void {
    this.filled = 0;
  }

  /** Empties the buffer and lets its memory go (the writer is done). */
  release(): void {
    this.buffer = null;
    this.filled = 0;
  }
}
