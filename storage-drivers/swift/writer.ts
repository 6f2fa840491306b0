/**
 * Streaming writes as registry:2 does them: bytes are gathered into segments of `chunksize` (one
 * reused PartBuffer, so a writer holds at most one segment), each uploaded as its own object
 * below a segments prefix, and commit() (or close()) puts the manifest that makes them one file. Appending continues an existing manifest's segments, so an
 * upload started by registry:2 can be finished by Berth and the other way round.
 *
 * Unlike registry:2, a plain object being appended to is copied (not moved) into segment 0, so
 * the path keeps its old content until commit, abort() can restore it, and a replaced file's
 * old segments are deleted instead of left behind.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { FileWriter } from "../driver.js";
import { StorageError } from "../errors.js";
import { PartBuffer } from "../part-buffer.js";
import { newSegmentsPrefix, segmentName, segmentNumber } from "./layout.js";
import { sameSegments, type LargeObject, type SwiftStore } from "./store.js";

/** How long commit() waits for an eventually consistent cluster to show every segment. */
const SEGMENTS_VISIBLE_TIMEOUT_MS = 15_000;

interface WriterState {
  segmentsPrefix: string;
  nextSegment: number;
  /** Bytes stored before this writer's own: segments continued, or the plain object copied to segment 0. */
  size: number;
  /** The manifest at the path already names these segments (appending to a dynamic large object). */
  manifestInPlace: boolean;
}

export class SwiftWriter implements FileWriter {
  /** The next segment's bytes. */
  private readonly segment: PartBuffer;
  private readonly created: string[] = [];
  private finished = false;

  private constructor(
    private readonly store: SwiftStore,
    private readonly name: string,
    chunkSize: number,
    private state: WriterState,
  ) {
    this.segment = new PartBuffer(chunkSize);
  }

  static async open(store: SwiftStore, prefix: string, path: string, name: string, chunkSize: number, append: boolean): Promise<SwiftWriter> {
    const fresh: WriterState = { segmentsPrefix: newSegmentsPrefix(prefix, path), nextSegment: 1, size: 0, manifestInPlace: false };
    if (!append) return new SwiftWriter(store, name, chunkSize, fresh);
    const head = await store.head(name);
    if (head === null) return new SwiftWriter(store, name, chunkSize, fresh);
    const dynamic = head.largeObject?.kind === "dynamic" && head.largeObject.target.container === store.container ? head.largeObject : null;
    if (dynamic) return new SwiftWriter(store, name, chunkSize, await continueSegments(store, dynamic.target.prefix));
    const writer = new SwiftWriter(store, name, chunkSize, fresh);
    if (head.size > 0) {
      // Plain (or foreign) content becomes segment 0; the path itself is untouched until commit.
      const first = segmentName(fresh.segmentsPrefix, 0);
      if (!(await store.copy(name, first))) return new SwiftWriter(store, name, chunkSize, fresh);
      writer.created.push(first);
      writer.state.size = head.size;
    }
    return writer;
  }

  get size(): number {
    return this.state.size + this.segment.total;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.finished) throw new StorageError(`swift: writer for ${this.name} is already closed`, "swift");
    // Copied into the segment: the caller may reuse its buffer once write() resolves.
    await this.segment.gather(chunk, () => this.uploadSegment());
  }

  async commit(): Promise<void> {
    if (this.finished) return;
    await this.finish();
  }

  /** Same as commit on Swift: what was written stays, so a client can resume from it. */
  async close(): Promise<void> {
    if (this.finished) return;
    await this.finish();
  }

  /** Deletes this writer's own segments; the manifest (if any) was never changed, so the path reads as before. */
  async abort(): Promise<void> {
    if (this.finished) throw new StorageError(`swift: writer for ${this.name} is already closed`, "swift");
    this.finished = true;
    this.segment.release();
    await this.store.deleteMany(this.created);
  }

  async cancel(): Promise<void> {
    this.finished = true;
    this.segment.release();
    await this.store.deleteMany(this.created);
    const head = await this.store.head(this.name);
    if (head === null) return;
    const segments = head.largeObject ? await this.store.ownSegments(this.name, head.largeObject) : [];
    await this.store.delete(this.name);
    await this.store.deleteMany(segments);
  }

  private async finish(): Promise<void> {
    this.finished = true;
    try {
      if (this.segment.length > 0) await this.uploadSegment();
    } finally {
      this.segment.release();
    }
    if (this.state.manifestInPlace) {
      await this.waitUntilComplete();
      return;
    }
    const before = await this.store.head(this.name);
    let replaced: LargeObject | null = before?.largeObject ?? null;
    if (this.created.length === 0) {
      // Nothing was ever written: an empty plain object, not an empty manifest (registry:2 would
      // wait 15 s for the segments of an empty manifest to show up).
      if (before !== null && before.size === 0 && before.largeObject === null) return;
      await this.store.put(this.name, Buffer.alloc(0));
    } else {
      await this.store.putDynamicManifest(this.name, this.state.segmentsPrefix);
      const now: LargeObject = { kind: "dynamic", target: { container: this.store.container, prefix: this.state.segmentsPrefix }, header: "" };
      if (sameSegments(replaced, now)) replaced = null;
      await this.waitUntilComplete();
    }
    if (replaced) await this.store.deleteMany(await this.store.ownSegments(this.name, replaced));
  }

  /** Stores the segment buffer as the next segment; on failure it keeps its bytes, so a later close() stores them. */
  private async uploadSegment(): Promise<void> {
    const name = segmentName(this.state.segmentsPrefix, this.state.nextSegment);
    await this.store.put(name, this.segment.bytes());
    this.segment.clear();
    this.state.nextSegment++;
    this.created.push(name);
  }

  /**
   * A dynamic large object is as complete as the container listing behind it. On a cluster
   * with several replicas that listing may lag, so wait (as registry:2 does) until the manifest
   * reports every byte.
   */
  private async waitUntilComplete(): Promise<void> {
    const deadline = Date.now() + SEGMENTS_VISIBLE_TIMEOUT_MS;
    let delay = 100;
    for (;;) {
      const head = await this.store.head(this.name);
      if (head?.size === this.size) return;
      if (Date.now() + delay > deadline) {
        throw new StorageError(`swift: ${this.name} shows ${head?.size ?? "no"} bytes of ${this.size} written after ${SEGMENTS_VISIBLE_TIMEOUT_MS} ms`, "swift");
      }
      await sleep(delay);
      delay *= 2;
    }
  }
}

/**
 * Where an existing dynamic large object's segments end: the listing, plus HEADs past its end
 * because a lagging listing may miss the newest segments.
 */
async function continueSegments(store: SwiftStore, segmentsPrefix: string): Promise<WriterState> {
  let size = 0;
  let last = 0;
  for (const entry of await store.listObjects(`${segmentsPrefix}/`)) {
    const number = segmentNumber(segmentsPrefix, entry.name);
    if (number === null) continue;
    size += entry.bytes;
    last = Math.max(last, number);
  }
  for (;;) {
    const next = await store.head(segmentName(segmentsPrefix, last + 1));
    if (next === null) break;
    size += next.size;
    last++;
  }
  return { segmentsPrefix, nextSegment: last + 1, size, manifestInPlace: true };
}
