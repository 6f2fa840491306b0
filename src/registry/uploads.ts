/**
 * Upload sessions, stored as registry:2 stores them (`_uploads/<uuid>/data` and `startedat`)
 * so a chunked upload survives a restart and can continue on another replica.
 */
import { createHash, randomUUID } from "node:crypto";
import type { StorageDriver } from "../../storage-drivers/driver.js";
import { whileHeld } from "../gc/holds.js";
import type { MetadataStore } from "../metadata/store.js";
import { BlobStore, blobSize, type BlobInfo } from "./blobs.js";
import { RegistryError } from "./errors.js";
import * as paths from "./paths.js";
import type { Digest } from "./reference.js";
import { orUnknown, toRegistryError } from "./storage-errors.js";
import type { UploadHashes } from "./upload-hashes.js";
import type { UploadSessionLock } from "./upload-session-lock.js";

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface UploadStatus {
  uuid: string;
  /** Bytes received so far. */
  size: number;
  startedAt: string;
}

/** A request body to append: its bytes, and what the client declared about them. */
export interface Chunk {
  body: AsyncIterable<Uint8Array>;
  /** Inclusive byte range from Content-Range, when given. */
  range?: { start: number; end: number };
  /** Content-Length, when given. */
  length?: number;
}

/** registry:2's startedat format: RFC 3339 in UTC without fractions. */
export function startedAtNow(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, "Z");
}

export class UploadStore {
  constructor(
    private readonly driver: StorageDriver,
    private readonly name: string,
    private readonly blobs: BlobStore,
    private readonly hashes: UploadHashes,
    private readonly locks: UploadSessionLock,
    private readonly metadata: MetadataStore,
  ) {}

  async create(): Promise<UploadStatus> {
    const uuid = randomUUID();
    const startedAt = startedAtNow();
    await this.driver.putContent(paths.uploadStartedAt(this.name, uuid), Buffer.from(startedAt));
    await this.driver.putContent(paths.uploadData(this.name, uuid), new Uint8Array());
    return { uuid, size: 0, startedAt };
  }

  async status(uuid: string): Promise<UploadStatus> {
    if (!UUID_PATTERN.test(uuid)) throw new RegistryError("BLOB_UPLOAD_UNKNOWN", undefined, { uuid: uuid.slice(0, 64) });
    const unknown = { uuid };
    const startedAt = (
      await orUnknown("BLOB_UPLOAD_UNKNOWN", () => this.driver.getContent(paths.uploadStartedAt(this.name, uuid)), unknown)
    ).toString();
    const { size } = await orUnknown("BLOB_UPLOAD_UNKNOWN", () => this.driver.stat(paths.uploadData(this.name, uuid)), unknown);
    return { uuid, size, startedAt };
  }

  /** PATCH: appends a chunk, enforcing that it starts where the upload ends. */
  async append(uuid: string, chunk: Chunk): Promise<UploadStatus> {
    return this.locks.run(uuid, async () => this.appendUnlocked(await this.status(uuid), chunk));
  }

  /** PUT: appends the optional last chunk, verifies the digest, and moves the data into place. */
  async complete(uuid: string, digest: Digest, chunk?: Chunk): Promise<BlobInfo> {
    return this.locks.run(uuid, async () => {
      let status = await this.status(uuid);
      if (chunk) status = await this.appendUnlocked(status, chunk);
      const actual = await this.digestOf(status, digest.algorithm);
      if (actual !== digest.hex) {
        await this.remove(uuid);
        throw new RegistryError("DIGEST_INVALID", undefined, { expected: digest.value, size: status.size });
      }
      // Held against an online garbage collection deleting the blob meanwhile (src/gc/holds.ts).
      await whileHeld(this.metadata, [digest.value], async () => {
        if ((await blobSize(this.driver, digest)) === null) {
          await this.driver.move(paths.uploadData(this.name, uuid), paths.blobData(digest));
        }
        await this.blobs.link(digest);
      });
      await this.remove(uuid);
      return { digest, size: status.size };
    });
  }

  async cancel(uuid: string): Promise<void> {
    await this.locks.run(uuid, async () => {
      await this.status(uuid);
      await this.remove(uuid);
    });
  }

  private async remove(uuid: string): Promise<void> {
    this.hashes.forget(uuid);
    await this.driver.delete(paths.uploadDir(this.name, uuid));
  }

  private async appendUnlocked(status: UploadStatus, chunk: Chunk): Promise<UploadStatus> {
    const { uuid, size } = status;
    const { range } = chunk;
    if (range && (range.start !== size || range.end < range.start)) {
      throw new RegistryError("RANGE_INVALID", "chunk does not start where the upload ends", { size, range }, 416, {
        Range: rangeHeader(size),
        "Docker-Upload-UUID": uuid,
      });
    }
    const expected = range ? range.end - range.start + 1 : undefined;
    if (expected !== undefined && chunk.length !== undefined && chunk.length !== expected) {
      throw new RegistryError("SIZE_INVALID", "Content-Length does not match Content-Range", { range, length: chunk.length });
    }
    const entry = this.hashes.take(uuid, size);
    this.hashes.forget(uuid);
    let written = 0;
    let writer;
    try {
      writer = await this.driver.writer(paths.uploadData(this.name, uuid), { append: true });
    } catch (error) {
      throw toRegistryError(error);
    }
    try {
      for await (const bytes of chunk.body) {
        written += bytes.length;
        if (expected !== undefined && written > expected) continue; // drain, so the error can still be answered
        entry?.hash.update(bytes);
        await writer.write(bytes);
      }
    } catch (error) {
      // The client went away mid-chunk: keep what arrived, so it can resume from the reported offset.
      await writer.close().catch(() => undefined);
      throw toRegistryError(error);
    }
    if (expected !== undefined && written !== expected) {
      // A body that disagrees with its Content-Range changes nothing.
      await writer.abort().catch(() => undefined);
      throw new RegistryError("SIZE_INVALID", "chunk length does not match Content-Range", { range, received: written });
    }
    try {
      await writer.commit();
    } catch (error) {
      throw toRegistryError(error);
    }
    if (entry) this.hashes.keep(uuid, { hash: entry.hash, offset: size + written });
    return { ...status, size: size + written };
  }

  /** Hex digest of the stored data: from the running hash when in step, else re-read from storage. */
  private async digestOf(status: UploadStatus, algorithm: Digest["algorithm"]): Promise<string> {
    if (algorithm === "sha256") {
      const entry = this.hashes.take(status.uuid, status.size);
      if (entry) {
        this.hashes.forget(status.uuid);
        return entry.hash.digest("hex");
      }
    }
    const hash = createHash(algorithm);
    const stream = await this.driver.reader(paths.uploadData(this.name, status.uuid), 0);
    for await (const bytes of stream) hash.update(bytes as Buffer);
    return hash.digest("hex");
  }
}

/** The Range header registry:2 answers for an upload holding `size` bytes. */
export function rangeHeader(size: number): string {
  return `0-${Math.max(size - 1, 0)}`;
}
