/**
 * Streaming writes as registry:2 lays them out: the bytes become segments of `chunksize`, each its
 * own object below a segments prefix, and commit() (or close()) puts the manifest that makes them
 * one file. Appending continues an existing manifest's segments, so an upload started by
 * registry:2 can be finished by Berth and the other way round.
 *
 * Each segment is either streamed to Swift while the bytes arrive (`streamsegments`, the default:
 * nothing segment-sized is held, but a segment that fails mid-way cannot be sent again, so the
 * write fails and the file keeps the segments stored before it), or gathered in one reused
 * PartBuffer and then sent, retried like any request (registry:2's way; a segment of memory per
 * writer).
 *
 * Unlike registry:2, a plain object being appended to is copied (not moved) into segment 0, so
 * the path keeps its old content until commit, abort() can restore it, and a replaced file's
 * old segments are deleted instead of left behind.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { FileWriter } from "../driver.js";
import { StorageError, StorageUnavailableError } from "../errors.js";
import { PartBuffer } from "../part-buffer.js";
import { asError } from "./http.js";
import { LiveBody } from "./live-body.js";
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

export interface SegmentOptions {
  chunkSize: number;
  /** Stream each segment as it arrives instead of gathering it in memory first. */
  stream: boolean;
}

/** A segment being streamed: its PUT is under way, fed by write(). */
interface LiveSegment {
  name: string;
  body: LiveBody;
  stored: Promise<void>;
  bytes: number;
}

export class SwiftWriter implements FileWriter {
  /** Gathering: the next segment's bytes. null when streaming. */
  private readonly segment: PartBuffer | null;
  /** Streaming: the segment being sent, and the bytes of this writer's segments stored or being sent. */
  private live: LiveSegment | null = null;
  private streamed = 0;
  private readonly created: string[] = [];
  private finished = false;

  private constructor(
    private readonly store: SwiftStore,
    private readonly name: string,
    private readonly segments: SegmentOptions,
    private state: WriterState,
  ) {
    this.segment = segments.stream ? null : new PartBuffer(segments.chunkSize);
  }

  static async open(store: SwiftStore, prefix: string, path: string, name: string, segments: SegmentOptions, append: boolean): Promise<SwiftWriter> {
    const fresh: WriterState = { segmentsPrefix: newSegmentsPrefix(prefix, path), nextSegment: 1, size: 0, manifestInPlace: false };
    if (!append) return new SwiftWriter(store, name, segments, fresh);
    const head = await store.head(name);
    if (head === null) return new SwiftWriter(store, name, segments, fresh);
    const dynamic = head.largeObject?.kind === "dynamic" && head.largeObject.target.container === store.container ? head.largeObject : null;
    if (dynamic) return new SwiftWriter(store, name, segments, await continueSegments(store, dynamic.target.prefix));
    const writer = new SwiftWriter(store, name, segments, fresh);
    if (head.size > 0) {
      // Plain (or foreign) content becomes segment 0; the path itself is untouched until commit.
      const first = segmentName(fresh.segmentsPrefix, 0);
      if (!(await store.copy(name, first))) return new SwiftWriter(store, name, segments, fresh);
      writer.created.push(first);
      writer.state.size = head.size;
    }
    return writer;
  }

  get size(): number {
    return this.state.size + (this.segment?.total ?? this.streamed);
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.finished) throw new StorageError(`swift: writer for ${this.name} is already closed`, "swift");
    const segment = this.segment;
    if (segment === null) return this.stream(chunk);
    // Copied into the segment: the caller may reuse its buffer once write() resolves.
    await segment.gather(chunk, () => this.uploadSegment(segment));
  }

  async commit(): Promise<void> {
    if (this.finished) return;
    await this.finish(false);
  }

  /** Like commit, but what was stored stays even when the last segment fails, so a client can resume from it. */
  async close(): Promise<void> {
    if (this.finished) return;
    await this.finish(true);
  }

  /** Deletes this writer's own segments; the manifest (if any) was never changed, so the path reads as before. */
  async abort(): Promise<void> {
    if (this.finished) throw new StorageError(`swift: writer for ${this.name} is already closed`, "swift");
    this.finished = true;
    await this.dropSegment();
    this.segment?.release();
    await this.store.deleteMany(this.created);
  }

  async cancel(): Promise<void> {
    this.finished = true;
    await this.dropSegment();
    this.segment?.release();
    await this.store.deleteMany(this.created);
    const head = await this.store.head(this.name);
    if (head === null) return;
    const segments = head.largeObject ? await this.store.ownSegments(this.name, head.largeObject) : [];
    await this.store.delete(this.name);
    await this.store.deleteMany(segments);
  }

  private async finish(keepStored: boolean): Promise<void> {
    this.finished = true;
    if (this.segment !== null) {
      try {
        if (this.segment.length > 0) await this.uploadSegment(this.segment);
      } finally {
        this.segment.release();
      }
    } else {
      try {
        await this.endSegment();
      } catch (error) {
        // close() keeps the segments stored before the failed one; commit() is all or nothing.
        if (keepStored) await this.putManifest();
        else await this.store.deleteMany(this.created);
        throw error;
      }
    }
    await this.putManifest();
  }

  /** Makes the path this writer's content: the manifest over its segments (or an empty object). */
  private async putManifest(): Promise<void> {
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

  /** Feeds the chunk to the segment being streamed, beginning and ending segments at chunkSize. */
  private async stream(chunk: Uint8Array): Promise<void> {
    const { chunkSize } = this.segments;
    for (let offset = 0; offset < chunk.byteLength; ) {
      const live = this.live ?? this.beginSegment();
      const take = Math.min(chunk.byteLength - offset, chunkSize - live.bytes);
      try {
        await live.body.feed(chunk.subarray(offset, offset + take));
      } catch {
        throw await this.segmentFailed(live);
      }
      live.bytes += take;
      this.streamed += take;
      offset += take;
      if (live.bytes === chunkSize) await this.endSegment();
    }
  }

  private beginSegment(): LiveSegment {
    const name = segmentName(this.state.segmentsPrefix, this.state.nextSegment);
    const body = new LiveBody();
    const stored = this.store.put(name, body);
    // A failed PUT fails the chunks waiting to be sent, and every later one.
    stored.catch((error: unknown) => body.fail(asError(error)));
    this.live = { name, body, stored, bytes: 0 };
    return this.live;
  }

  /** Ends the segment being streamed and waits until Swift has stored it. */
  private async endSegment(): Promise<void> {
    const live = this.live;
    if (live === null) return;
    live.body.end();
    try {
      await live.stored;
    } catch {
      throw await this.segmentFailed(live);
    }
    this.live = null;
    this.state.nextSegment++;
    this.created.push(live.name);
  }

  /**
   * Forgets a segment whose PUT failed: its bytes are not part of the file, and the segment is
   * deleted in case Swift stored it after all (an answer lost on the way). The next write starts
   * that segment again.
   */
  private async segmentFailed(live: LiveSegment): Promise<StorageUnavailableError> {
    this.live = null;
    this.streamed -= live.bytes;
    let cause = "";
    await live.stored.catch((error: unknown) => (cause = asError(error).message));
    await this.store.deleteMany([live.name]).catch(() => undefined);
    return new StorageUnavailableError(`swift: segment ${live.name} failed while being sent (${cause}); the file keeps ${this.size} bytes`, "swift");
  }

  /** Abandons the segment being streamed: its PUT fails, so Swift stores nothing of it. */
  private async dropSegment(): Promise<void> {
    const live = this.live;
    if (live === null) return;
    this.live = null;
    live.body.fail(new StorageError("swift: write abandoned", "swift"));
    await live.stored.catch(() => undefined);
  }

  /** Stores the segment buffer as the next segment; on failure it keeps its bytes, so a later close() stores them. */
  private async uploadSegment(segment: PartBuffer): Promise<void> {
    const name = segmentName(this.state.segmentsPrefix, this.state.nextSegment);
    await this.store.put(name, segment.bytes());
    segment.clear();
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
