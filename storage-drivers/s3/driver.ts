/**
 * registry:2's s3-aws driver on @aws-sdk/client-s3: one bucket, keys as keys.ts maps them, whole
 * files as one PutObject, streamed writes through multipart uploads (writer.ts), moves as
 * server-side copies (multipart above `multipartcopythresholdsize` or 5 GiB), reads that resume
 * after a broken connection, and redirects as presigned URLs.
 */
import { Readable } from "node:stream";
import { GetObjectCommand, HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { FileInfo, FileWriter, StorageDriver } from "../driver.js";
import { InvalidOffsetError, PathNotFoundError } from "../errors.js";
import { resumingStream } from "../resuming-reader.js";
import { walkByListing } from "../walk.js";
import { Bucket } from "./bucket.js";
import type { S3Settings } from "./config.js";
import { KeyLayout } from "./keys.js";
import { copyRanges, needsMultipartCopy } from "./parts.js";
import { isNotFound, isTransient, statusOf, type RetryPolicy } from "./retry.js";
import { S3Writer } from "./writer.js";

/** How long a redirect URL stays valid: registry:2's default for URLFor. */
const REDIRECT_LIFETIME_S = 20 * 60;
/** Resumptions of one download whose connection broke mid-body. */
const DOWNLOAD_RESUMES = 5;
const EPOCH = new Date(0);

/** Throttling can last: more and longer waits than for other backends before clients see 503. */
export const S3_RETRY_POLICY: RetryPolicy = { maxRetries: 8, baseDelayMs: 100, maxDelayMs: 10_000, attemptTimeoutMs: 120_000 };

export interface S3DriverOptions {
  retry?: RetryPolicy;
  /** Results per list request (S3's maximum is 1000); tests make it small to exercise paging. */
  listPageSize?: number;
}

export class S3Driver implements StorageDriver {
  readonly name = "s3";
  private readonly bucket: Bucket;
  private readonly keys: KeyLayout;

  constructor(
    client: S3Client,
    private readonly settings: S3Settings,
    private readonly options: S3DriverOptions = {},
  ) {
    this.bucket = new Bucket(client, settings.bucket, options.retry ?? S3_RETRY_POLICY, {
      acl: settings.objectAcl,
      storageClass: settings.storageClass,
      encrypt: settings.encrypt,
      keyId: settings.keyId,
    });
    this.keys = new KeyLayout(settings.rootPrefix);
  }

  async getContent(path: string): Promise<Buffer> {
    const content = await this.bucket.getAll(this.keys.key(path));
    if (content === null) throw new PathNotFoundError(path, this.name);
    return content;
  }

  async putContent(path: string, content: Uint8Array): Promise<void> {
    await this.bucket.put(this.keys.key(path), Buffer.from(content.buffer, content.byteOffset, content.byteLength));
  }

  async reader(path: string, offset = 0): Promise<Readable> {
    const key = this.keys.key(path);
    let first: Awaited<ReturnType<Bucket["getFrom"]>>;
    try {
      first = await this.bucket.getFrom(key, offset);
    } catch (error) {
      if (isNotFound(error)) throw new PathNotFoundError(path, this.name);
      if (statusOf(error) !== 416) throw error;
      // A range that starts at or past the end: at the end exactly is an empty read.
      const head = await this.bucket.head(key);
      if (!head) throw new PathNotFoundError(path, this.name);
      if (offset > head.size) throw new InvalidOffsetError(path, offset, this.name);
      return Readable.from([]);
    }
    if (offset > first.size) {
      first.body.destroy();
      throw new InvalidOffsetError(path, offset, this.name);
    }
    let initial: Readable | undefined = first.body;
    const stream = resumingStream({
      open: async (from) => {
        const body = initial ?? (await this.bucket.getFrom(key, from, first.etag)).body;
        initial = undefined;
        return body;
      },
      start: offset,
      end: first.size,
      maxResumes: DOWNLOAD_RESUMES,
      isTransient,
      driver: this.name,
      path,
    });
    // Destroyed before the first read (a client gone at once): release that download's connection too.
    stream.once("close", () => initial?.destroy());
    return stream;
  }

  writer(path: string, options: { append?: boolean } = {}): Promise<FileWriter> {
    return S3Writer.open(this.bucket, this.keys.key(path), this.settings.chunkSize, options.append ?? false);
  }

  async stat(path: string): Promise<FileInfo> {
    if (path !== "/") {
      const head = await this.bucket.head(this.keys.key(path));
      if (head) return { path, size: head.size, modTime: head.modTime, isDir: false };
    }
    // Not an object: a directory if any key lies below it. The root always is one; asking keeps this a real health probe.
    const page = await this.bucket.listPage(this.keys.below(path), { maxKeys: 1 });
    const [first] = page.objects;
    if (first || path === "/") return { path, size: 0, modTime: first?.modTime ?? EPOCH, isDir: true };
    // registry:2 keeps an upload's data in a multipart upload until the upload completes: that file
    // exists with the size of its parts, and a writer appending to it finds it again (writer.ts).
    const pending = await this.bucket.pendingUpload(this.keys.key(path));
    if (pending) return { path, size: pending.size, modTime: pending.initiated, isDir: false };
    throw new PathNotFoundError(path, this.name);
  }

  async list(path: string): Promise<string[]> {
    const children = (await this.children(path)).map((child) => child.path);
    if (children.length === 0 && path !== "/") throw new PathNotFoundError(path, this.name);
    return children;
  }

  async move(sourcePath: string, destPath: string): Promise<void> {
    const source = this.keys.key(sourcePath);
    const dest = this.keys.key(destPath);
    const head = await this.bucket.head(source);
    if (!head) throw new PathNotFoundError(sourcePath, this.name);
    if (needsMultipartCopy(head.size, this.settings.multipartCopyThresholdSize)) await this.multipartCopy(source, dest, head.size);
    else await this.bucket.copy(source, dest);
    await this.bucket.deleteOne(source);
  }

  /**
   * The object and everything below it, found by one listing from its key (siblings that share
   * the key's beginning are passed over), and any multipart upload left in progress below a
   * directory (registry:2's unfinished uploads, a writer that died).
   */
  async delete(path: string): Promise<void> {
    const key = this.keys.key(path);
    const below = this.keys.below(path);
    let found = false;
    let directory = false;
    for await (const objects of this.bucket.keysBelow(key)) {
      const doomed = objects.filter((object) => object.key === key || object.key.startsWith(below)).map((object) => object.key);
      directory ||= doomed.some((doomedKey) => doomedKey !== key);
      // One key is one plain DELETE, lighter than DeleteObjects on most stores.
      if (doomed.length === 1) await this.bucket.deleteOne(doomed[0]!);
      else if (doomed.length > 1) await this.bucket.deleteMany(doomed);
      found ||= doomed.length > 0;
      // Listed in key order: once past everything below, the rest are siblings.
      const last = objects.at(-1)?.key;
      if (last !== undefined && last > below && !last.startsWith(below)) break;
    }
    if (found && !directory) return;
    const uploads = (await this.bucket.listUploads(key)).filter((upload) => upload.key === key || upload.key.startsWith(below));
    await Promise.all(uploads.map((upload) => this.bucket.abortUpload(upload.key, upload.uploadId)));
    if (!found && uploads.length === 0) throw new PathNotFoundError(path, this.name);
  }

  walk(path: string): AsyncIterable<FileInfo> {
    return walkByListing(path, (directory) => this.children(directory), this.name);
  }

  /** A presigned GET (or HEAD) URL, valid for 20 minutes as registry:2's. */
  async redirectUrl(path: string, method: "GET" | "HEAD"): Promise<string | null> {
    const input = { Bucket: this.settings.bucket, Key: this.keys.key(path) };
    const command = method === "HEAD" ? new HeadObjectCommand(input) : new GetObjectCommand(input);
    return getSignedUrl(this.bucket.client, command, { expiresIn: REDIRECT_LIFETIME_S });
  }

  /** Ends the keep-alive connections (the process can then exit). */
  close(): void {
    this.bucket.client.destroy();
  }

  /** Copies in parts of multipartcopychunksize, several at once; a failure leaves no upload behind. */
  private async multipartCopy(source: string, dest: string, size: number): Promise<void> {
    const uploadId = await this.bucket.createUpload(dest);
    try {
      const ranges = copyRanges(size, this.settings.multipartCopyChunkSize);
      const parts = new Array<Awaited<ReturnType<Bucket["uploadPartCopy"]>>>(ranges.length);
      let next = 0;
      const worker = async () => {
        for (let index = next++; index < ranges.length; index = next++) {
          parts[index] = await this.bucket.uploadPartCopy(dest, uploadId, index + 1, source, ranges[index]!);
        }
      };
      await Promise.all(Array.from({ length: Math.min(ranges.length, this.settings.multipartCopyMaxConcurrency) }, worker));
      await this.bucket.completeUpload(dest, uploadId, parts, size);
    } catch (error) {
      await this.bucket.abortUpload(dest, uploadId).catch(() => undefined);
      throw error;
    }
  }

  /** The direct children of a directory, files with their size, in lexical order of their paths. */
  private async children(path: string): Promise<FileInfo[]> {
    const prefix = this.keys.below(path);
    const found = new Map<string, FileInfo>();
    let token: string | undefined;
    do {
      const page = await this.bucket.listPage(prefix, { delimiter: "/", token, maxKeys: this.options.listPageSize });
      for (const directory of page.prefixes) {
        const childPath = this.keys.path(directory);
        found.set(`${childPath}/`, { path: childPath, size: 0, modTime: EPOCH, isDir: true });
      }
      for (const object of page.objects) {
        // A "directory marker" (the prefix itself, as some tools create) is no file.
        if (object.key === prefix) continue;
        const childPath = this.keys.path(object.key);
        found.set(childPath, { path: childPath, size: object.size, modTime: object.modTime, isDir: false });
      }
      token = page.next;
    } while (token);
    // By path (S3 sorts keys byte-wise: "a-b" before "a/..."), a file before a same-named directory.
    return [...found.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : Number(a.isDir) - Number(b.isDir)));
  }
}
