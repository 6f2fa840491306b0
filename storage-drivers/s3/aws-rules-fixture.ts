/**
 * Test support: an S3Client whose requests never leave the process but are answered by a small
 * in-memory bucket that enforces the AWS rules real emulators skip — the 5 GiB limit of CopyObject
 * and UploadPartCopy, 5 MiB minimum parts, part order and ETags at completion — and that throttles
 * on demand (503 SlowDown, 500 InternalError, connections reset before or after the request
 * landed). Objects may be "virtual" (a size, no bytes) so that copies of many GiB cost nothing.
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { S3Client } from "@aws-sdk/client-s3";
import { MAX_COPY_SIZE, MAX_PART_SIZE, MIN_PART_SIZE } from "./parts.js";

const BUCKET = "bucket";

/** What to do to one request instead of (or after) answering it. */
export type Fault = "SlowDown" | "InternalError" | "AccessDenied" | "reset" | "lose-answer";

interface StoredObject {
  /** null: a virtual object of `size` bytes. */
  data: Buffer | null;
  size: number;
  etag: string;
  modTime: Date;
}

interface Upload {
  key: string;
  initiated: Date;
  parts: Map<number, StoredObject>;
}

export interface CallRecord {
  command: string;
  input: Record<string, unknown>;
  fault?: Fault;
}

export class AwsRulesBucket {
  readonly objects = new Map<string, StoredObject>();
  readonly uploads = new Map<string, Upload>();
  readonly calls: CallRecord[] = [];
  /** Asked before each request; a fault it returns is applied to that request. */
  faults: (command: string, input: Record<string, unknown>) => Fault | undefined = () => undefined;
  private nextUploadId = 1;

  readonly client: S3Client;
  readonly bucket = BUCKET;

  constructor() {
    this.client = new S3Client({
      region: "us-east-1",
      endpoint: "http://aws-rules.invalid",
      forcePathStyle: true,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 1,
    });
    this.client.middlewareStack.add(
      (_next, context) => async (args) => {
        const command = (context.commandName ?? "").replace(/Command$/, "");
        const input = args.input as Record<string, unknown>;
        const fault = this.faults(command, input);
        this.calls.push({ command, input, fault });
        if (fault === "reset") throw Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
        if (fault === "SlowDown") throw s3Error("SlowDown", 503, "Please reduce your request rate.");
        if (fault === "InternalError") throw s3Error("InternalError", 500, "We encountered an internal error. Please try again.");
        if (fault === "AccessDenied") throw s3Error("AccessDenied", 403, "Access Denied");
        const output = await this.answer(command, input);
        if (fault === "lose-answer") throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
        return { output: { $metadata: { httpStatusCode: 200 }, ...output } } as never;
      },
      { step: "initialize", priority: "high", name: "awsRulesBucket" },
    );
  }

  /** A stored object with a size but no bytes, for copies far larger than memory. */
  putVirtual(key: string, size: number): void {
    this.objects.set(key, { data: null, size, etag: `"virtual-${size}"`, modTime: new Date() });
  }

  count(command: string): number {
    return this.calls.filter((call) => call.command === command && call.fault === undefined).length;
  }

  private async answer(command: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const key = input.Key as string;
    switch (command) {
      case "PutObject": {
        const data = await bytes(input.Body);
        if (data.length > MAX_COPY_SIZE) throw s3Error("EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed size");
        this.objects.set(key, stored(data));
        return { ETag: this.objects.get(key)!.etag };
      }
      case "HeadObject": {
        const object = this.objects.get(key);
        if (!object) throw s3Error("NotFound", 404, "");
        return { ContentLength: object.size, LastModified: object.modTime, ETag: object.etag };
      }
      case "GetObject": {
        const object = this.objects.get(key);
        if (!object) throw s3Error("NoSuchKey", 404, "The specified key does not exist.");
        if (input.IfMatch !== undefined && input.IfMatch !== object.etag) throw s3Error("PreconditionFailed", 412, "At least one of the pre-conditions you specified did not hold");
        if (!object.data) throw new Error(`aws-rules: ${key} is virtual and cannot be read`);
        const start = input.Range === undefined ? 0 : Number(/^bytes=(\d+)-$/.exec(input.Range as string)?.[1]);
        if (input.Range !== undefined && start >= object.size) throw s3Error("InvalidRange", 416, "The requested range is not satisfiable");
        const body = object.data.subarray(start);
        return {
          Body: Readable.from([body]),
          ContentLength: body.length,
          ContentRange: input.Range === undefined ? undefined : `bytes ${start}-${object.size - 1}/${object.size}`,
          ETag: object.etag,
        };
      }
      case "CopyObject": {
        const source = this.source(input.CopySource as string);
        // AWS: "The specified copy source is larger than the maximum allowable size for a copy source: 5368709120".
        if (source.size > MAX_COPY_SIZE) throw s3Error("InvalidRequest", 400, `The specified copy source is larger than the maximum allowable size for a copy source: ${MAX_COPY_SIZE}`);
        this.objects.set(key, { ...source, modTime: new Date() });
        return { CopyObjectResult: { ETag: source.etag } };
      }
      case "DeleteObject":
        this.objects.delete(key);
        return {};
      case "DeleteObjects": {
        for (const { Key } of (input.Delete as { Objects: { Key: string }[] }).Objects) this.objects.delete(Key);
        return { Errors: [] };
      }
      case "ListObjectsV2":
        return this.list(input);
      case "CreateMultipartUpload": {
        const uploadId = `upload-${this.nextUploadId++}`;
        this.uploads.set(uploadId, { key, initiated: new Date(), parts: new Map() });
        return { UploadId: uploadId };
      }
      case "UploadPart": {
        const upload = this.upload(input);
        const data = await bytes(input.Body);
        if (data.length > MAX_PART_SIZE) throw s3Error("EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed size");
        const part = stored(data);
        upload.parts.set(input.PartNumber as number, part);
        return { ETag: part.etag };
      }
      case "UploadPartCopy": {
        const upload = this.upload(input);
        const source = this.source(input.CopySource as string);
        const [, from, to] = /^bytes=(\d+)-(\d+)$/.exec(input.CopySourceRange as string) ?? [];
        const start = Number(from);
        const end = Number(to);
        if (!(end < source.size) || start > end) throw s3Error("InvalidArgument", 400, "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy");
        if (end - start + 1 > MAX_COPY_SIZE) throw s3Error("InvalidRequest", 400, `The specified copy range is larger than the maximum allowable size: ${MAX_COPY_SIZE}`);
        const part: StoredObject = source.data
          ? stored(source.data.subarray(start, end + 1))
          : { data: null, size: end - start + 1, etag: `"virtual-part-${start}-${end}"`, modTime: new Date() };
        upload.parts.set(input.PartNumber as number, part);
        return { CopyPartResult: { ETag: part.etag } };
      }
      case "CompleteMultipartUpload": {
        const upload = this.upload(input);
        const listed = (input.MultipartUpload as { Parts: { PartNumber: number; ETag: string }[] }).Parts;
        const parts: StoredObject[] = [];
        for (const [index, { PartNumber, ETag }] of listed.entries()) {
          const part = upload.parts.get(PartNumber);
          if (!part || part.etag !== ETag) throw s3Error("InvalidPart", 400, `part ${PartNumber} was not uploaded or its ETag differs`);
          if (index > 0 && PartNumber <= listed[index - 1]!.PartNumber) throw s3Error("InvalidPartOrder", 400, "The list of parts was not in ascending order");
          if (index < listed.length - 1 && part.size < MIN_PART_SIZE) throw s3Error("EntityTooSmall", 400, "Your proposed upload is smaller than the minimum allowed object size.");
          parts.push(part);
        }
        if (parts.length === 0) throw s3Error("MalformedXML", 400, "The XML you provided was not well-formed");
        const size = parts.reduce((sum, part) => sum + part.size, 0);
        const data = parts.every((part) => part.data) ? Buffer.concat(parts.map((part) => part.data!)) : null;
        this.objects.set(key, { data, size, etag: `"${md5(parts.map((part) => part.etag).join(""))}-${parts.length}"`, modTime: new Date() });
        this.uploads.delete(input.UploadId as string);
        return {};
      }
      case "AbortMultipartUpload":
        this.upload(input);
        this.uploads.delete(input.UploadId as string);
        return {};
      case "ListMultipartUploads": {
        const prefix = (input.Prefix as string | undefined) ?? "";
        const uploads = [...this.uploads.entries()].filter(([, upload]) => upload.key.startsWith(prefix));
        return { Uploads: uploads.map(([UploadId, upload]) => ({ Key: upload.key, UploadId, Initiated: upload.initiated })), IsTruncated: false };
      }
      case "ListParts": {
        const upload = this.upload(input);
        const parts = [...upload.parts.entries()].sort(([a], [b]) => a - b);
        return { Parts: parts.map(([PartNumber, part]) => ({ PartNumber, ETag: part.etag, Size: part.size })), IsTruncated: false };
      }
      default:
        throw new Error(`aws-rules: ${command} is not emulated`);
    }
  }

  private list(input: Record<string, unknown>): Record<string, unknown> {
    const prefix = (input.Prefix as string | undefined) ?? "";
    const delimiter = input.Delimiter as string | undefined;
    const maxKeys = (input.MaxKeys as number | undefined) ?? 1000;
    const after = (input.ContinuationToken as string | undefined) ?? "";
    const entries: { name: string; object?: StoredObject }[] = [];
    const seen = new Set<string>();
    for (const key of [...this.objects.keys()].sort()) {
      if (!key.startsWith(prefix)) continue;
      const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
      const name = cut >= 0 ? key.slice(0, cut + 1) : key;
      if (name <= after || seen.has(name)) continue;
      seen.add(name);
      entries.push(cut >= 0 ? { name } : { name, object: this.objects.get(key)! });
    }
    const page = entries.slice(0, maxKeys);
    const truncated = entries.length > maxKeys;
    return {
      Contents: page.filter((entry) => entry.object).map((entry) => ({ Key: entry.name, Size: entry.object!.size, LastModified: entry.object!.modTime })),
      CommonPrefixes: page.filter((entry) => !entry.object).map((entry) => ({ Prefix: entry.name })),
      IsTruncated: truncated,
      NextContinuationToken: truncated ? page.at(-1)!.name : undefined,
    };
  }

  private upload(input: Record<string, unknown>): Upload {
    const upload = this.uploads.get(input.UploadId as string);
    if (!upload || upload.key !== input.Key) throw s3Error("NoSuchUpload", 404, "The specified upload does not exist.");
    return upload;
  }

  private source(copySource: string): StoredObject {
    const key = decodeURIComponent(copySource.slice(BUCKET.length + 1));
    const object = this.objects.get(key);
    if (!object) throw s3Error("NoSuchKey", 404, "The specified key does not exist.");
    return object;
  }
}

function s3Error(code: string, status: number, message: string): Error {
  return Object.assign(new Error(message || code), { name: code, $fault: status >= 500 ? "server" : "client", $metadata: { httpStatusCode: status } });
}

function md5(data: Buffer | string): string {
  return createHash("md5").update(data).digest("hex");
}

function stored(data: Buffer): StoredObject {
  return { data, size: data.length, etag: `"${md5(data)}"`, modTime: new Date() };
}

async function bytes(body: unknown): Promise<Buffer> {
  if (body === undefined) return Buffer.alloc(0);
  if (typeof body === "string") return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body);
  throw new Error("aws-rules: bodies are buffers or strings here");
}
