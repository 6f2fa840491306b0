/**
 * FileWriter over S3: bytes are gathered into parts of `chunksize` and streamed through a
 * multipart upload, so a writer holds at most one part (plus what arrives while it is sent).
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
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** The carried bytes were read into `pending` (strategy "read"). */
  private carriedLoaded = false;
  private upload: OpenUpload | null = null;
  private written = 0;
  private finished = false;

  private constructor(
    private readonly bucket: Bucket,
    private readonly key: string,
    private readonly chunkSize: number,
    private readonly carried: Carried,
    /** An appending writer on an existing object that writes nothing leaves it untouched. */
    private readonly keepsExisting: boolean,
  ) {}

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

  async write(chunk: Uint8Array): Promise<void> {
    this.assertOpen();
    if (chunk.byteLength === 0) return;
    // Copied: the caller may reuse its buffer once write() resolves, and a part may hold it longer.
    this.pending.push(Buffer.from(chunk));
    this.pendingBytes += chunk.byteLength;
    this.written += chunk.byteLength;
    while (this.pendingBytes >= this.chunkSize) await this.sendPart(this.chunkSize);
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
    this.dropPending();
    if (this.upload) await this.bucket.abortUpload(this.key, this.upload.uploadId);
  }

  async cancel(): Promise<void> {
    this.finished = true;
    this.dropPending();
    if (this.upload) await this.bucket.abortUpload(this.key, this.upload.uploadId);
    await this.bucket.deleteOne(this.key);
  }

  private async finish(): Promise<void> {
    this.finished = true;
    if (this.upload === null) {
      if (this.written === 0 && this.keepsExisting) return;
      if (this.carried.strategy !== "copy") {
        // Everything fits one request: carried bytes (below 5 MiB) and at most one part's worth.
        await this.loadCarried();
        await this.bucket.put(this.key, this.takePending(this.pendingBytes));
        return;
      }
    }
    // (Without an upload yet, the carried content is copied and what was written follows it.)
    if (this.pendingBytes > 0) await this.sendPart(this.pendingBytes);
    const upload = this.upload!;
    await this.bucket.completeUpload(this.key, upload.uploadId, upload.parts, this.size);
  }

  /** Uploads the first `length` pending bytes as the next part, starting the upload when needed. */
  private async sendPart(length: number): Promise<void> {
    const upload = await this.startUpload();
    if (!this.carriedLoaded && this.carried.strategy === "read") {
      await this.loadCarried();
      length += this.carried.size;
    }
    const partNumber = upload.parts.length + 1;
    checkPartNumber(partNumber, this.chunkSize);
    const body = this.peekPending(length);
    upload.parts.push(await this.bucket.uploadPart(this.key, upload.uploadId, partNumber, body));
    // Dropped only once the part is stored: a writer closed after a failed part still has its bytes.
    this.takePending(length);
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

  /** Reads the (small) carried content into the front of the pending bytes, once. */
  private async loadCarried(): Promise<void> {
    if (this.carriedLoaded || this.carried.strategy !== "read") return;
    const content = await this.bucket.getAll(this.key);
    if (content === null || content.length !== this.carried.size) {
      throw new StorageError(`s3: ${this.key} changed while being appended to (expected ${this.carried.size} bytes, found ${content?.length ?? "none"})`, "s3");
    }
    this.pending.unshift(content);
    this.pendingBytes += content.length;
    this.carriedLoaded = true;
  }

  /** The first `length` pending bytes as one buffer, left in place (joined once, then reused). */
  private peekPending(length: number): Buffer {
    if (this.pending.length !== 1) this.pending = [Buffer.concat(this.pending, this.pendingBytes)];
    return this.pending[0]!.subarray(0, length);
  }

  /** Removes and returns the first `length` pending bytes. */
  private takePending(length: number): Buffer {
    const taken = this.peekPending(length);
    // The rest is copied out so the sent part's memory can go.
    const rest = Buffer.from(this.pending[0]!.subarray(length));
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingBytes = rest.length;
    return taken;
  }

  private dropPending(): void {
    this.pending = [];
    this.pendingBytes = 0;
  }

  private assertOpen(): void {
    if (this.finished) throw new StorageError(`s3: writer for ${this.key} is already finished`, "s3");
  }
}
