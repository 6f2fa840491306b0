/**
 * FileWriter over S3: bytes are gathered into parts of `chunksize` (one reused PartBuffer) and
 * streamed through a multipart upload, so a writer holds at most one part; write() waits while a
 * full part is sent, which holds the client back.
 * Nothing at the key changes before commit() or close(), which complete the upload (or, for
 * content that fits one part, put it whole): the object is replaced atomically, abort() only
 * has to drop the upload, and every PATCH of a chunked upload leaves a whole object that a
 * restarted registry or another replica continues from.
 *
 * Appending carries what the object holds into the new upload: server-side (UploadPartCopy, in
 * ranges within the 5 GiB copy limit) when it is at least 5 MiB, else read back and sent in front
 * of the first part, since a part below 5 MiB may only be the last (registry:2 does the same).
 * A multipart upload left in progress at the key (by registry:2, which keeps its uploads open
 * between requests, or by a writer that died) is found again with ListMultipartUploads and
 * ListParts: with no object at the key it is completed and becomes the content carried; beside
 * an object, which is what was last committed, it is stale, and aborted when the folder goes.
 */
import type { FileWriter } from "../driver.js";
import { StorageError } from "../errors.js";
import { PartBuffer } from "../part-buffer.js";
import type { Bucket, UploadedPart } from "./bucket.js";
import { carryRanges, carryStrategy, checkPartNumber, MIN_PART_SIZE } from "./parts.js";

interface Carried {
  /** Bytes of the object this writer continues. */
  size: number;
  strategy: ReturnType<typeof carryStrategy>;
}

interface OpenUpload {
  uploadId: string;
  parts: UploadedPart[];
}

export class S3Writer implements FileWriter {
  /** The next part's bytes (with strategy "read", the carried bytes lead the first one). */
  private readonly part: PartBuffer;
  /** The carried bytes were read into `part` (strategy "read"). */
  private carriedLoaded = false;
  private upload: OpenUpload | null = null;
  private finished = false;

  private constructor(
    private readonly bucket: Bucket,
    private readonly key: string,
    private readonly chunkSize: number,
    private readonly carried: Carried,
    /** An appending writer on an existing object that writes nothing leaves it untouched. */
    private readonly keepsExisting: boolean,
  ) {
    this.part = new PartBuffer(chunkSize);
  }

  static async open(bucket: Bucket, key: string, chunkSize: number, append: boolean): Promise<S3Writer> {
    const fresh = { size: 0, strategy: "none" } as const;
    if (!append) return new S3Writer(bucket, key, chunkSize, fresh, false);
    let head = await bucket.head(key);
    if (!head) {
      const pending = await bucket.pendingUpload(key);
      // registry:2's upload in progress (the one it would pick): its parts, all but the last at least 5 MiB, become the object.
      if (pending && pending.parts.length > 0 && pending.parts.slice(0, -1).every((part) => part.size >= MIN_PART_SIZE)) {
        await bucket.completeUpload(key, pending.uploadId, pending.parts, pending.size);
        head = await bucket.head(key);
      }
      // Any other upload at the key is stale (beside an object, what was last committed is the
      // object; those go when the upload's folder is deleted).
      const stale = (await bucket.listUploads(key)).filter((upload) => upload.key === key);
      await Promise.all(stale.map((upload) => bucket.abortUpload(key, upload.uploadId)));
    }
    if (!head) return new S3Writer(bucket, key, chunkSize, fresh, false);
    return new S3Writer(bucket, key, chunkSize, { size: head.size, strategy: carryStrategy(head.size) }, true);
  }

  get size(): number {
    return this.carried.size + this.written;
  }

  /** Bytes written through this writer (the part also took the carried bytes read back). */
  private get written(): number {
    return this.part.total - (this.carriedLoaded ? this.carried.size : 0);
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.assertOpen();
    if (chunk.byteLength === 0) return;
    // Small carried content goes in front of the first byte written (never a part of its own).
    await this.loadCarried();
    // Copied into the part: the caller may reuse its buffer once write() resolves.
    await this.part.gather(chunk, () => this.sendPart());
  }

  async commit(): Promise<void> {
    if (this.finished) return;
    await this.finish();
  }

  /** Keeps what was written: the same as commit, since S3 shows nothing of an unfinished upload. */
  async close(): Promise<void> {
    if (this.finished) return;
    await this.finish();
  }

  async abort(): Promise<void> {
    this.assertOpen();
    this.finished = true;
    this.part.release();
    if (this.upload) await this.bucket.abortUpload(this.key, this.upload.uploadId);
  }

  async cancel(): Promise<void> {
    this.finished = true;
    this.part.release();
    if (this.upload) await this.bucket.abortUpload(this.key, this.upload.uploadId);
    await this.bucket.deleteOne(this.key);
  }

  private async finish(): Promise<void> {
    this.finished = true;
    try {
      if (this.upload === null) {
        if (this.written === 0 && this.keepsExisting) return;
        if (this.carried.strategy !== "copy") {
          // Everything fits one request: carried bytes (below 5 MiB, read at the first write) and less than one part.
          await this.bucket.put(this.key, this.part.bytes());
          return;
        }
      }
      // (Without an upload yet, the carried content is copied and what was written follows it.)
      if (this.part.length > 0) await this.sendPart();
      const upload = this.upload!;
      await this.bucket.completeUpload(this.key, upload.uploadId, upload.parts, this.size);
    } finally {
      this.part.release();
    }
  }

  /** Uploads the part buffer as the next part, starting the upload when needed. */
  private async sendPart(): Promise<void> {
    const upload = await this.startUpload();
    const partNumber = upload.parts.length + 1;
    checkPartNumber(partNumber, this.chunkSize);
    upload.parts.push(await this.bucket.uploadPart(this.key, upload.uploadId, partNumber, this.part.bytes()));
    // Emptied only once the part is stored: a writer closed after a failed part still has its bytes.
    this.part.clear();
  }

  private async startUpload(): Promise<OpenUpload> {
    if (this.upload) return this.upload;
    const uploadId = await this.bucket.createUpload(this.key);
    const upload: OpenUpload = { uploadId, parts: [] };
    this.upload = upload;
    if (this.carried.strategy === "copy") {
      for (const range of carryRanges(this.carried.size)) {
        upload.parts.push(await this.bucket.uploadPartCopy(this.key, uploadId, upload.parts.length + 1, this.key, range));
      }
    }
    return upload;
  }

  /** Reads the (small) carried content into the front of the (still empty) part, once. */
  private async loadCarried(): Promise<void> {
    if (this.carriedLoaded || this.carried.strategy !== "read") return;
    const content = await this.bucket.getAll(this.key);
    if (content === null || content.length !== this.carried.size) {
      throw new StorageError(`s3: ${this.key} changed while being appended to (expected ${this.carried.size} bytes, found ${content?.length ?? "none"})`, "s3");
    }
    this.part.fill(content);
    this.carriedLoaded = true;
  }

  private assertOpen(): void {
    if (this.finished) throw new StorageError(`s3: writer for ${this.key} is already finished`, "s3");
  }
}
