/**
 * The S3 calls the driver and its writer make, each one retried on its own (retry.ts) and
 * answering in plain values: one place that knows the SDK's command shapes, the object options
 * every write carries (ACL, storage class, encryption), and how paged listings continue.
 */
import type { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { rangeHeader, type ByteRange } from "./parts.js";
import { isNotFound, isTransient, s3CodeOf, withRetries, type RetryPolicy } from "./retry.js";

/** What DeleteObjects takes at once. */
const DELETE_BATCH = 1000;

/** Options every object written carries, as registry:2 sets them. */
export interface WriteOptions {
  acl: string | undefined;
  storageClass: string | undefined;
  encrypt: boolean;
  keyId: string | undefined;
}

export interface ObjectHead {
  size: number;
  modTime: Date;
  etag: string;
}

export interface ListedObject {
  key: string;
  size: number;
  modTime: Date;
}

export interface ListPage {
  objects: ListedObject[];
  /** Common prefixes (with their trailing "/"), when listed with a delimiter. */
  prefixes: string[];
  next: string | undefined;
}

export interface UploadedPart {
  partNumber: number;
  etag: string;
  size: number;
}

export interface InProgressUpload {
  key: string;
  uploadId: string;
  initiated: Date;
}

export class Bucket {
  constructor(
    readonly client: S3Client,
    readonly name: string,
    private readonly policy: RetryPolicy,
    private readonly writeOptions: WriteOptions,
  ) {}

  retry<T>(what: string, call: (attempt: number, abortSignal: AbortSignal | undefined) => Promise<T>): Promise<T> {
    return withRetries(this.policy, what, call);
  }

  /** The object's size, time and ETag; null when there is none. */
  async head(key: string): Promise<ObjectHead | null> {
    try {
      const head = await this.retry(`stat ${key}`, (_, abortSignal) => this.client.send(new HeadObjectCommand({ Bucket: this.name, Key: key }), { abortSignal }));
      return { size: head.ContentLength ?? 0, modTime: head.LastModified ?? new Date(0), etag: head.ETag ?? "" };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  /** The whole object, read inside the retried call so a body cut short is asked for again; null when there is none. */
  async getAll(key: string): Promise<Buffer | null> {
    try {
      return await this.retry(`read ${key}`, async (_, abortSignal) => {
        const answer = await this.client.send(new GetObjectCommand({ Bucket: this.name, Key: key }), { abortSignal });
        return readAll(answer.Body as Readable | undefined);
      });
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  /**
   * The object's bytes from `offset`, pinned to `etag` when given. Resolves once the answer's
   * headers are in; the body then streams. `size` is the whole object's.
   */
  async getFrom(key: string, offset: number, etag?: string): Promise<{ body: Readable; size: number; etag: string }> {
    const answer = await this.retry(`read ${key}`, (_, abortSignal) =>
      this.client.send(new GetObjectCommand({ Bucket: this.name, Key: key, Range: offset > 0 ? `bytes=${offset}-` : undefined, IfMatch: etag }), { abortSignal }),
    );
    if (offset > 0 && !answer.ContentRange) {
      (answer.Body as Readable | undefined)?.destroy();
      throw new Error(`s3: reading ${key} from ${offset}: the range was ignored`);
    }
    const length = answer.ContentLength ?? 0;
    const total = /\/(\d+)$/.exec(answer.ContentRange ?? "")?.[1];
    return { body: answer.Body as Readable, size: total === undefined ? offset + length : Number(total), etag: answer.ETag ?? "" };
  }

  async put(key: string, body: Buffer): Promise<void> {
    await this.retry(`write ${key}`, (_, abortSignal) => this.client.send(new PutObjectCommand({ Bucket: this.name, Key: key, Body: body, ...this.objectOptions() }), { abortSignal }));
  }

  /** Server-side copy of a whole object of at most 5 GiB. */
  async copy(sourceKey: string, destKey: string): Promise<void> {
    await this.retry(`copy ${sourceKey} to ${destKey}`, (_, abortSignal) =>
      this.client.send(new CopyObjectCommand({ Bucket: this.name, Key: destKey, CopySource: this.copySource(sourceKey), ...this.objectOptions() }), { abortSignal }),
    );
  }

  async deleteOne(key: string): Promise<void> {
    await this.retry(`delete ${key}`, (_, abortSignal) => this.client.send(new DeleteObjectCommand({ Bucket: this.name, Key: key }), { abortSignal }));
  }

  /** Deletes keys a thousand at a time; keys that fail transiently inside a batch are sent again. */
  async deleteMany(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      let remaining = keys.slice(i, i + DELETE_BATCH);
      await this.retry(`delete ${remaining.length} objects`, async (_, abortSignal) => {
        const answer = await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.name, Delete: { Objects: remaining.map((Key) => ({ Key })), Quiet: true } }),
          { abortSignal },
        );
        const failed = (answer.Errors ?? []).filter((failure) => failure.Code !== "NoSuchKey");
        if (failed.length === 0) return;
        const errors = failed.map((failure) =>
          Object.assign(new Error(`deleting ${failure.Key}: ${failure.Code} ${failure.Message ?? ""}`.trim()), { name: failure.Code ?? "DeleteFailed" }),
        );
        // Retried (by the loop around) only when every failure was transient; then only those keys go again.
        remaining = failed.map((failure) => failure.Key ?? "").filter((key) => key !== "");
        throw errors.find((error) => !isTransient(error)) ?? errors[0];
      });
    }
  }

  /** One page of keys below prefix: flat, or one level deep with a delimiter. */
  async listPage(prefix: string, options: { delimiter?: string; token?: string; maxKeys?: number } = {}): Promise<ListPage> {
    const answer = await this.retry(`list ${prefix || "/"}`, (_, abortSignal) =>
      this.client.send(
        new ListObjectsV2Command({ Bucket: this.name, Prefix: prefix, Delimiter: options.delimiter, ContinuationToken: options.token, MaxKeys: options.maxKeys }),
        { abortSignal },
      ),
    );
    return {
      objects: (answer.Contents ?? []).map((entry) => ({ key: entry.Key ?? "", size: entry.Size ?? 0, modTime: entry.LastModified ?? new Date(0) })),
      prefixes: (answer.CommonPrefixes ?? []).map((entry) => entry.Prefix ?? "").filter((entry) => entry !== ""),
      next: answer.IsTruncated ? answer.NextContinuationToken : undefined,
    };
  }

  /** Every key below prefix (flat), page by page. */
  async *keysBelow(prefix: string): AsyncGenerator<ListedObject[]> {
    let token: string | undefined;
    do {
      const page = await this.listPage(prefix, { token });
      yield page.objects;
      token = page.next;
    } while (token);
  }

  /** Multipart uploads in progress whose key starts with prefix. */
  async listUploads(prefix: string): Promise<InProgressUpload[]> {
    const uploads: InProgressUpload[] = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const answer = await this.retry(`list uploads ${prefix}`, (_, abortSignal) =>
        this.client.send(new ListMultipartUploadsCommand({ Bucket: this.name, Prefix: prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }), { abortSignal }),
      );
      for (const upload of answer.Uploads ?? []) {
        if (upload.Key && upload.UploadId) uploads.push({ key: upload.Key, uploadId: upload.UploadId, initiated: upload.Initiated ?? new Date(0) });
      }
      if (!answer.IsTruncated) return uploads;
      keyMarker = answer.NextKeyMarker;
      uploadIdMarker = answer.NextUploadIdMarker;
    }
  }

  /**
   * The multipart upload in progress at exactly this key, with its parts, as registry:2 picks it
   * (the first one listed, the oldest); null when there is none.
   */
  async pendingUpload(key: string): Promise<(InProgressUpload & { parts: UploadedPart[]; size: number }) | null> {
    const [upload] = (await this.listUploads(key)).filter((candidate) => candidate.key === key);
    if (!upload) return null;
    const parts = await this.listParts(key, upload.uploadId);
    return { ...upload, parts, size: parts.reduce((sum, part) => sum + part.size, 0) };
  }

  async listParts(key: string, uploadId: string): Promise<UploadedPart[]> {
    const parts: UploadedPart[] = [];
    let marker: string | undefined;
    for (;;) {
      const answer = await this.retry(`list parts of ${key}`, (_, abortSignal) =>
        this.client.send(new ListPartsCommand({ Bucket: this.name, Key: key, UploadId: uploadId, PartNumberMarker: marker }), { abortSignal }),
      );
      for (const part of answer.Parts ?? []) parts.push({ partNumber: part.PartNumber ?? 0, etag: part.ETag ?? "", size: part.Size ?? 0 });
      if (!answer.IsTruncated) return parts.sort((a, b) => a.partNumber - b.partNumber);
      marker = answer.NextPartNumberMarker;
    }
  }

  async createUpload(key: string): Promise<string> {
    const answer = await this.retry(`start upload of ${key}`, (_, abortSignal) =>
      this.client.send(new CreateMultipartUploadCommand({ Bucket: this.name, Key: key, ...this.objectOptions() }), { abortSignal }),
    );
    if (!answer.UploadId) throw new Error(`s3: no upload id starting a multipart upload of ${key}`);
    return answer.UploadId;
  }

  async uploadPart(key: string, uploadId: string, partNumber: number, body: Buffer): Promise<UploadedPart> {
    const answer = await this.retry(`upload part ${partNumber} of ${key}`, (_, abortSignal) =>
      this.client.send(new UploadPartCommand({ Bucket: this.name, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: body.length }), { abortSignal }),
    );
    return { partNumber, etag: answer.ETag ?? "", size: body.length };
  }

  /** A part copied server-side from a range of another object (at most 5 GiB). */
  async uploadPartCopy(key: string, uploadId: string, partNumber: number, sourceKey: string, range: ByteRange): Promise<UploadedPart> {
    const answer = await this.retry(`copy part ${partNumber} of ${key} from ${sourceKey}`, (_, abortSignal) =>
      this.client.send(
        new UploadPartCopyCommand({
          Bucket: this.name,
          Key: key,
          UploadId: uploadId,
          PartNumber: partNumber,
          CopySource: this.copySource(sourceKey),
          CopySourceRange: rangeHeader(range),
        }),
        { abortSignal },
      ),
    );
    return { partNumber, etag: answer.CopyPartResult?.ETag ?? "", size: range.end - range.start + 1 };
  }

  /**
   * Makes the parts the object. A retry after an answer that got lost finds the upload gone
   * (NoSuchUpload): the object then stands with the expected size, and that counts as done.
   */
  async completeUpload(key: string, uploadId: string, parts: readonly UploadedPart[], expectedSize: number): Promise<void> {
    await this.retry(`complete upload of ${key}`, async (attempt, abortSignal) => {
      try {
        await this.client.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.name,
            Key: key,
            UploadId: uploadId,
            MultipartUpload: { Parts: parts.map((part) => ({ PartNumber: part.partNumber, ETag: part.etag })) },
          }),
          { abortSignal },
        );
      } catch (error) {
        if (attempt > 0 && s3CodeOf(error) === "NoSuchUpload" && (await this.head(key))?.size === expectedSize) return;
        throw error;
      }
    });
  }

  async abortUpload(key: string, uploadId: string): Promise<void> {
    try {
      await this.retry(`abort upload of ${key}`, (_, abortSignal) =>
        this.client.send(new AbortMultipartUploadCommand({ Bucket: this.name, Key: key, UploadId: uploadId }), { abortSignal }),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error; // NoSuchUpload: already gone
    }
  }

  private objectOptions() {
    const { acl, storageClass, encrypt, keyId } = this.writeOptions;
    return {
      ContentType: "application/octet-stream",
      ...(acl ? { ACL: acl as "private" } : {}),
      ...(storageClass ? { StorageClass: storageClass as "STANDARD" } : {}),
      ...(encrypt ? { ServerSideEncryption: keyId ? ("aws:kms" as const) : ("AES256" as const), ...(keyId ? { SSEKMSKeyId: keyId } : {}) } : {}),
    };
  }

  /** "bucket/key", each key segment URL-encoded as CopySource requires. */
  private copySource(key: string): string {
    return `${this.name}/${key.split("/").map(encodeURIComponent).join("/")}`;
  }
}

async function readAll(body: Readable | undefined): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
