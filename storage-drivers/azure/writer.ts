/**
 * FileWriter over an append blob, the blob type registry:2 writes uploads as, so an upload that
 * either registry started can be continued by the other and survives a restart: the blob holds
 * exactly the bytes received so far, and a new writer picks up at its size.
 *
 * Bytes are gathered into blocks of BLOCK_SIZE (memory per writer stays bounded) and each Append
 * Block names the offset it expects, so a retried append that had landed is recognised instead of
 * written twice, and a concurrent writer is refused instead of interleaved.
 *
 * abort() must drop this writer's bytes, which an append blob cannot do by truncating. Before its
 * first change to the blob a writer therefore takes a restore point: a snapshot when the blob has
 * bytes (Azure keeps it as a read-only copy, cheaply), else a note that it was absent or empty.
 * abort() copies the snapshot back over the blob; commit() and close() delete it.
 */
import { createHash } from "node:crypto";
import type { AppendBlobClient, BlobGetPropertiesResponse, BlobType } from "@azure/storage-blob";
import type { FileWriter } from "../driver.js";
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
  private pending: Buffer[] = [];
  private pendingBytes = 0;
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
  }

  get size(): number {
    return this.stored + this.pendingBytes;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.assertOpen();
    if (chunk.byteLength === 0) return;
    // Copied: the caller may reuse its buffer once write() resolves, and we may hold it longer.
    this.pending.push(Buffer.from(chunk));
    this.pendingBytes += chunk.byteLength;
    while (this.pendingBytes >= this.blockSize) await this.appendPending(this.blockSize);
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
    this.dropPending();
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
    this.dropPending();
    await this.deleteBlob();
  }

  /** commit() and close(): everything written reaches the blob; the restore point goes. */
  private async finish(): Promise<void> {
    this.closed = true;
    try {
      // A fresh writer replaces the path even when nothing was written, as truncating a file would.
      if (this.mode === "replace" || this.pendingBytes > 0) await this.prepare();
      while (this.pendingBytes > 0) await this.appendPending(Math.min(this.pendingBytes, this.blockSize));
    } finally {
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
    let block: Buffer[] = [];
    let blockBytes = 0;
    const response = await retry(`read ${path}`, (_, abortSignal) => source.download(0, this.base, { abortSignal, maxRetryRequests: 5 }));
    const body = response.readableStreamBody;
    if (!body) throw new Error(`azure: no body reading ${path}`);
    for await (const piece of body) {
      block.push(piece as Buffer);
      blockBytes += (piece as Buffer).length;
      if (blockBytes >= this.blockSize) {
        const whole = Buffer.concat(block, blockBytes);
        await this.appendBlock(whole.subarray(0, this.blockSize));
        block = [whole.subarray(this.blockSize)];
        blockBytes -= this.blockSize;
      }
    }
    if (blockBytes > 0) await this.appendBlock(Buffer.concat(block, blockBytes));
    if (this.stored !== this.base) throw new Error(`azure: carried ${this.stored} of ${this.base} bytes of ${path}`);
  }

  /** Appends the first `bytes` pending bytes as one block. */
  private async appendPending(bytes: number): Promise<void> {
    await this.prepare();
    const whole = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    const block = whole.subarray(0, bytes);
    const rest = whole.subarray(bytes);
    await this.appendBlock(block);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingBytes = rest.length;
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

  private dropPending(): void {
    this.pending = [];
    this.pendingBytes = 0;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`azure: writer for ${this.target.path} is already closed`);
  }
}
