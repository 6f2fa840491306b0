/**
 * FileWriter over an append blob, the blob type registry:2 writes uploads as, so an upload that
 * either registry started can be continued by the other and survives a restart: the blob holds
 * exactly the bytes received so far, and a new writer picks up at its size.
 *
 * Bytes are gathered into blocks of BLOCK_SIZE (one reused PartBuffer: a writer holds at most one
 * block) and each Append Block names the offset it expects, so a retried append that had landed
 * is recognised instead of written twice, and a concurrent writer is refused instead of
 * interleaved.
 *
 * abort() must drop this writer's bytes, which an append blob cannot do by truncating. Before its
 * first change to the blob a writer therefore takes a restore point: a snapshot when the blob has
 * bytes (Azure keeps it as a read-only copy, cheaply), else a note that it was absent or empty.
 * abort() copies the snapshot back over the blob; commit() and close() delete it.
 */
import { createHash } from "node:crypto";
import type { AppendBlobClient, BlobGetPropertiesResponse, BlobType } from "@azure/storage-blob";
import type { FileWriter } from "../driver.js";
import { PartBuffer } from "../part-buffer.js";
import { azureCodeOf, statusOf } from "./retry.js";

/** registry:2's chunk for Append Block: every API version accepts 4 MiB. */
export const BLOCK_SIZE = 4 * 1024 * 1024;

export type Retry = <T>(what: string, call: (attempt: number, abortSignal: AbortSignal | undefined) => Promise<T>) => Promise<T>;

export interface WriterTarget {
  client: AppendBlobClient;
  /** The driver path, for messages. */
  path: string;
  retry: Retry;
  blockSize?: number;
}

/** What the blob was before this writer, enough to put it back. */
type Prior = { kind: "absent" } | { kind: "empty" | "full"; blobType: BlobType; etag: string };

/** How the writer gets the blob ready for its first append. */
type Mode =
  | "continue" // an append blob, appended to as it is
  | "convert" // a block blob (putContent wrote it) whose bytes are carried into a new append blob
  | "replace"; // a fresh writer: a new, empty append blob takes the path's place

export async function openAppendWriter(target: WriterTarget, append: boolean): Promise<FileWriter> {
  const { client, path, retry } = target;
  let properties: BlobGetPropertiesResponse | null;
  try {
    properties = await retry(`stat ${path}`, (_, abortSignal) => client.getProperties({ abortSignal }));
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
    properties = null;
  }
  const size = properties?.contentLength ?? 0;
  const etag = properties?.etag ?? "";
  const prior: Prior =
    properties === null ? { kind: "absent" } : { kind: size === 0 ? "empty" : "full", blobType: properties.blobType ?? "BlockBlob", etag };
  let mode: Mode = "replace";
  if (append && properties !== null) mode = properties.blobType === "AppendBlob" ? "continue" : "convert";
  return new AppendBlobWriter(target, prior, mode, mode === "replace" ? 0 : size);
}

class AppendBlobWriter implements FileWriter {
  /** The next block's bytes. */
  private readonly block: PartBuffer;
  /** Bytes the blob holds now (after preparing: the base, then each appended block). */
  private stored: number;
  private prepared = false;
  private snapshot: string | undefined;
  private closed = false;
  private readonly blockSize: number;

  constructor(
    private readonly target: WriterTarget,
    private readonly prior: Prior,
    private readonly mode: Mode,
    private readonly base: number,
  ) {
    this.stored = base;
    this.blockSize = target.blockSize ?? BLOCK_SIZE;
    this.block = new PartBuffer(this.blockSize);
  }

  get size(): number {
    return this.stored + this.block.length;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.assertOpen();
    // Copied into the block: the caller may reuse its buffer once write() resolves.
    await this.block.gather(chunk, () => this.appendGathered());
  }

  async commit(): Promise<void> {
    if (this.closed) return;
    await this.finish();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.finish();
  }

  async abort(): Promise<void> {
    this.assertOpen();
    this.closed = true;
    this.block.release();
    if (!this.prepared) return; // nothing reached the blob
    const { client, path, retry } = this.target;
    switch (this.prior.kind) {
      case "absent":
        await this.deleteBlob();
        return;
      case "empty":
        if (this.prior.blobType === "AppendBlob") await retry(`abort ${path}`, (_, abortSignal) => client.create({ abortSignal }));
        else await retry(`abort ${path}`, (_, abortSignal) => client.getBlockBlobClient().upload(Buffer.alloc(0), 0, { abortSignal }));
        return;
      case "full": {
        const snapshot = this.snapshot;
        if (snapshot === undefined) throw new Error(`azure: no restore point to abort ${path} to`);
        const source = client.withSnapshot(snapshot).url;
        // A copy keeps the source's blob type; give the path its old type back first, so the copy never crosses types.
        if (this.mode !== "continue" && this.prior.blobType === "BlockBlob") {
          await retry(`abort ${path}`, (_, abortSignal) => client.getBlockBlobClient().upload(Buffer.alloc(0), 0, { abortSignal }));
        }
        await retry(`abort ${path}`, async () => {
          const poller = await client.beginCopyFromURL(source, { intervalInMs: 200 });
          const result = await poller.pollUntilDone();
          if (result.copyStatus !== "success") throw new Error(`azure: restoring ${path} ended ${result.copyStatus ?? "without a status"}`);
        });
        await this.dropSnapshot();
      }
    }
  }

  async cancel(): Promise<void> {
    this.closed = true;
    this.block.release();
    await this.deleteBlob();
  }

  /** commit() and close(): everything written reaches the blob; the restore point goes. */
  private async finish(): Promise<void> {
    this.closed = true;
    try {
      // A fresh writer replaces the path even when nothing was written, as truncating a file would.
      if (this.mode === "replace" || this.block.length > 0) await this.prepare();
      if (this.block.length > 0) await this.appendGathered();
    } finally {
      this.block.release();
      // Failed or not, this writer is done: nothing will abort to the restore point any more.
      await this.dropSnapshot();
    }
  }

  /** The first change to the blob: take the restore point, then make the path an append blob holding the base. */
  private async prepare(): Promise<void> {
    if (this.prepared) return;
    const { client, path, retry } = this.target;
    if (this.prior.kind === "full") {
      const { snapshot } = await retry(`snapshot ${path}`, (_, abortSignal) => client.createSnapshot({ abortSignal }));
      if (!snapshot) throw new Error(`azure: no snapshot id for ${path}`);
      this.snapshot = snapshot;
    }
    this.prepared = true;
    if (this.mode === "continue") return;
    await this.createAppendBlob();
    if (this.mode === "convert" && this.base > 0) await this.copyBase();
  }

  /** A new, empty append blob at the path, replacing exactly the blob this writer saw (or none). */
  private async createAppendBlob(): Promise<void> {
    const { client, path, retry } = this.target;
    const conditions = this.prior.kind === "absent" ? { ifNoneMatch: "*" } : { ifMatch: this.prior.etag };
    await retry(`create ${path}`, async (attempt, abortSignal) => {
      try {
        await client.create({ abortSignal, conditions });
      } catch (error) {
        // A retry whose first try landed finds the condition broken by its own blob.
        if (attempt > 0 && (statusOf(error) === 412 || statusOf(error) === 409)) {
          const now = await client.getProperties({ abortSignal });
          if (now.blobType === "AppendBlob" && now.contentLength === 0) return;
        }
        throw error;
      }
    });
    this.stored = 0;
  }

  /** Carries the bytes of the block blob this writer replaced (kept in the snapshot) into the new append blob. */
  private async copyBase(): Promise<void> {
    const { client, path, retry } = this.target;
    const snapshot = this.snapshot;
    if (snapshot === undefined) throw new Error(`azure: no snapshot to carry ${path} over from`);
    const source = client.withSnapshot(snapshot);
    // Its own buffer: the writer's block may already hold bytes written after the base.
    const block = new PartBuffer(this.blockSize);
    const response = await retry(`read ${path}`, (_, abortSignal) => source.download(0, this.base, { abortSignal, maxRetryRequests: 5 }));
    const body = response.readableStreamBody;
    if (!body) throw new Error(`azure: no body reading ${path}`);
    const flush = async () => {
      await this.appendBlock(block.bytes());
      block.clear();
    };
    for await (const piece of body) await block.gather(piece as Buffer, flush);
    if (block.length > 0) await this.appendBlock(block.bytes());
    if (this.stored !== this.base) throw new Error(`azure: carried ${this.stored} of ${this.base} bytes of ${path}`);
  }

  /** Appends the gathered bytes as one block; on failure they stay, so a later close() appends them. */
  private async appendGathered(): Promise<void> {
    await this.prepare();
    await this.appendBlock(this.block.bytes());
    this.block.clear();
  }

  private async appendBlock(block: Buffer): Promise<void> {
    const { client, path, retry } = this.target;
    const position = this.stored;
    const transactionalContentMD5 = createHash("md5").update(block).digest();
    await retry(`append to ${path}`, async (attempt, abortSignal) => {
      try {
        await client.appendBlock(block, block.length, { abortSignal, conditions: { appendPosition: position }, transactionalContentMD5 });
      } catch (error) {
        // The append position is what makes a retry safe: if an earlier try landed, the blob has grown by exactly this block.
        if (attempt > 0 && azureCodeOf(error) === "AppendPositionConditionNotMet") {
          const now = await client.getProperties({ abortSignal });
          if (now.contentLength === position + block.length) return;
        }
        throw error;
      }
    });
    this.stored = position + block.length;
  }

  private async deleteBlob(): Promise<void> {
    const { client, path, retry } = this.target;
    await retry(`delete ${path}`, (_, abortSignal) => client.deleteIfExists({ abortSignal, deleteSnapshots: "include" }));
    this.snapshot = undefined;
  }

  /** Best effort: a snapshot left behind holds no visible path and goes when its blob is deleted. */
  private async dropSnapshot(): Promise<void> {
    const snapshot = this.snapshot;
    if (snapshot === undefined) return;
    this.snapshot = undefined;
    const { client, path, retry } = this.target;
    await retry(`drop restore point of ${path}`, (_, abortSignal) => client.withSnapshot(snapshot).deleteIfExists({ abortSignal })).catch(() => undefined);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`azure: writer for ${this.target.path} is already closed`);
  }
}
