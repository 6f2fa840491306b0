/**
 * registry:2's azure driver on @azure/storage-blob: one container, blob names as names.ts
 * describes, whole files as block blobs (one atomic Put Blob), streamed writes as append blobs
 * (writer.ts), moves as server-side copies, redirects as read-only SAS URLs.
 */
import { Readable } from "node:stream";
import {
  BlobSASPermissions,
  type BlobItem,
  type ContainerClient,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from "@azure/storage-blob";
import type { FileInfo, FileWriter, StorageDriver } from "../driver.js";
import { InvalidOffsetError, PathNotFoundError } from "../errors.js";
import type { AzureSettings } from "./config.js";
import { BlobNames } from "./names.js";
import { createServiceClient } from "./service-client.js";
import { resumingStream } from "../resuming-reader.js";
import { walkByListing } from "../walk.js";
import { azureCodeOf, isTransient, statusOf, withRetries, type RetryPolicy } from "./retry.js";
import { openAppendWriter, type Retry } from "./writer.js";

/** How long a redirect URL stays valid: registry:2's default for URLFor. */
const REDIRECT_LIFETIME_MS = 20 * 60 * 1000;
const MAX_BACKOFF_MS = 10_000;
/** Longest wait for the answer to one attempt; far above Azure's own server-side limits, so only dead connections hit it. */
const ATTEMPT_TIMEOUT_MS = 60_000;
/** Resumptions of one download whose connection broke mid-body. */
const DOWNLOAD_RESUMES = 5;
/** Blobs deleted at once when a whole directory goes. */
const DELETE_PARALLELISM = 16;
const EPOCH = new Date(0);

export interface AzureDriverOptions {
  /** Results per list request (Azure's maximum is 5000); tests make it small to exercise paging. */
  listPageSize?: number;
  /** Bytes per Append Block; tests make it small to exercise block boundaries. */
  blockSize?: number;
  /** Longest wait for the answer to one attempt; tests make it short. */
  attemptTimeoutMs?: number;
  /** Injected in tests. */
  sleep?: RetryPolicy["sleep"];
}

export class AzureDriver implements StorageDriver {
  readonly name = "azure";
  private readonly container: ContainerClient;
  private readonly names: BlobNames;
  private readonly policy: RetryPolicy;
  /** Present when the account key is known, which is what signing a SAS needs. */
  private readonly signer: StorageSharedKeyCredential | undefined;
  private ready: Promise<void> | undefined;

  constructor(
    private readonly settings: AzureSettings,
    private readonly options: AzureDriverOptions = {},
  ) {
    const { service } = createServiceClient(settings.connection);
    this.signer = service.credential instanceof StorageSharedKeyCredential ? service.credential : undefined;
    this.container = service.getContainerClient(settings.container);
    this.names = new BlobNames(settings.rootdirectory);
    this.policy = {
      maxRetries: settings.maxRetries,
      baseDelayMs: settings.retryDelayMs,
      maxDelayMs: MAX_BACKOFF_MS,
      attemptTimeoutMs: options.attemptTimeoutMs ?? ATTEMPT_TIMEOUT_MS,
      sleep: options.sleep,
    };
  }

  async getContent(path: string): Promise<Buffer> {
    await this.ensureContainer();
    const blob = this.container.getBlobClient(this.names.blob(path));
    return this.notFoundAs(path, () =>
      this.retry(`read ${path}`, async (_, abortSignal) => {
        const response = await blob.download(0, undefined, { abortSignal });
        return readAll(response.readableStreamBody);
      }),
    );
  }

  async putContent(path: string, content: Uint8Array): Promise<void> {
    await this.ensureContainer();
    const blob = this.container.getBlockBlobClient(this.names.blob(path));
    const body = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
    // One Put Blob replaces the whole blob atomically, whatever type it was.
    await this.retry(`write ${path}`, (_, abortSignal) => blob.upload(body, body.length, { abortSignal }));
  }

  async reader(path: string, offset = 0): Promise<Readable> {
    await this.ensureContainer();
    const blob = this.container.getBlobClient(this.names.blob(path));
    const { contentLength = 0, etag } = await this.notFoundAs(path, () => this.retry(`stat ${path}`, (_, abortSignal) => blob.getProperties({ abortSignal })));
    if (offset < 0 || offset > contentLength) throw new InvalidOffsetError(path, offset, this.name);
    if (offset === contentLength) return Readable.from([]);
    const open = async (from: number) => {
      const response = await this.notFoundAs(path, () =>
        // The attempt's deadline covers the wait for the answer's headers; the body then streams without one.
        this.retry(`read ${path}`, (_, abortSignal) =>
          blob.download(from, undefined, { abortSignal, conditions: { ifMatch: etag }, maxRetryRequests: DOWNLOAD_RESUMES }),
        ),
      );
      if (!response.readableStreamBody) throw new Error(`azure: no body reading ${path}`);
      return response.readableStreamBody;
    };
    // The first download happens now, so a failure to start is the caller's error, not the stream's.
    let first: NodeJS.ReadableStream | undefined = await open(offset);
    const stream = resumingStream({
      open: async (from) => {
        const body = first ?? (await open(from));
        first = undefined;
        return body;
      },
      start: offset,
      end: contentLength,
      maxResumes: DOWNLOAD_RESUMES,
      isTransient,
      driver: this.name,
      path,
    });
    // Destroyed before the first read (a client gone at once): release that download's connection too.
    stream.once("close", () => (first as Readable | undefined)?.destroy());
    return stream;
  }

  async writer(path: string, options: { append?: boolean } = {}): Promise<FileWriter> {
    await this.ensureContainer();
    const client = this.container.getAppendBlobClient(this.names.blob(path));
    return openAppendWriter({ client, path, retry: this.retryFn(), blockSize: this.options.blockSize }, options.append ?? false);
  }

  async stat(path: string): Promise<FileInfo> {
    await this.ensureContainer();
    if (path !== "/") {
      try {
        const blob = this.container.getBlobClient(this.names.blob(path));
        const properties = await this.retry(`stat ${path}`, (_, abortSignal) => blob.getProperties({ abortSignal }));
        return { path, size: properties.contentLength ?? 0, modTime: properties.lastModified ?? EPOCH, isDir: false };
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
      }
    }
    // Not a blob: a directory if any blob lies below it (the root always is one).
    const [first] = (await this.listPage(this.names.prefix(path), undefined, 1)).blobs;
    if (!first && path !== "/") throw new PathNotFoundError(path, this.name);
    return { path, size: 0, modTime: first?.properties.lastModified ?? EPOCH, isDir: true };
  }

  async list(path: string): Promise<string[]> {
    await this.ensureContainer();
    const children = (await this.children(path)).map((child) => child.path);
    if (children.length === 0 && path !== "/") throw new PathNotFoundError(path, this.name);
    return children;
  }

  async move(sourcePath: string, destPath: string): Promise<void> {
    await this.ensureContainer();
    const source = this.container.getBlobClient(this.names.blob(sourcePath));
    const dest = this.container.getBlobClient(this.names.blob(destPath));
    await this.notFoundAs(sourcePath, () => this.retry(`stat ${sourcePath}`, (_, abortSignal) => source.getProperties({ abortSignal })));
    // Server-side copy (same account: authorised by our own credentials), then the source goes.
    await this.notFoundAs(sourcePath, () =>
      this.retry(`copy ${sourcePath} to ${destPath}`, async () => {
        try {
          await copyBlob(dest, source.url);
        } catch (error) {
          // A copy keeps the source's type and may refuse a destination of another type: replace it instead.
          if (statusOf(error) !== 409 || azureCodeOf(error) !== "InvalidBlobType") throw error;
          await dest.deleteIfExists({ deleteSnapshots: "include" });
          await copyBlob(dest, source.url);
        }
      }),
    );
    await this.retry(`delete ${sourcePath}`, (_, abortSignal) => source.deleteIfExists({ abortSignal, deleteSnapshots: "include" }));
  }

  async delete(path: string): Promise<void> {
    await this.ensureContainer();
    let found = await this.deleteBlob(this.names.blob(path));
    // Everything below, page by page (deleting behind the continuation marker is safe).
    const prefix = this.names.prefix(path);
    let token: string | undefined;
    do {
      const page = await this.listPage(prefix, undefined, undefined, token);
      for (let i = 0; i < page.blobs.length; i += DELETE_PARALLELISM) {
        const batch = page.blobs.slice(i, i + DELETE_PARALLELISM);
        const deleted = await Promise.all(batch.map((blob) => this.deleteBlob(blob.name)));
        found ||= deleted.some(Boolean);
      }
      token = page.continuationToken;
    } while (token);
    if (!found) throw new PathNotFoundError(path, this.name);
  }

  async *walk(path: string): AsyncIterable<FileInfo> {
    await this.ensureContainer();
    yield* walkByListing(path, (directory) => this.children(directory), this.name);
  }

  /** A read-only SAS URL for GET and HEAD; null when there is no account key to sign with. */
  async redirectUrl(path: string, method: "GET" | "HEAD"): Promise<string | null> {
    if (!this.signer || (method !== "GET" && method !== "HEAD")) return null;
    const blob = this.container.getBlobClient(this.names.blob(path));
    const sas = generateBlobSASQueryParameters(
      {
        containerName: this.settings.container,
        blobName: this.names.blob(path),
        permissions: BlobSASPermissions.parse("r"),
        expiresOn: new Date(Date.now() + REDIRECT_LIFETIME_MS),
      },
      this.signer,
    );
    return `${blob.url}?${sas.toString()}`;
  }

  /** The direct children of a directory, files with their size, in lexical order. */
  private async children(path: string): Promise<FileInfo[]> {
    const prefix = this.names.prefix(path);
    const found = new Map<string, FileInfo>();
    let token: string | undefined;
    do {
      const page = await this.listPage(prefix, "/", undefined, token);
      for (const directory of page.prefixes) {
        const childPath = this.names.path(directory.slice(0, -1));
        found.set(`${childPath}/`, { path: childPath, size: 0, modTime: EPOCH, isDir: true });
      }
      for (const blob of page.blobs) {
        const childPath = this.names.path(blob.name);
        found.set(childPath, { path: childPath, size: blob.properties.contentLength ?? 0, modTime: blob.properties.lastModified, isDir: false });
      }
      token = page.continuationToken;
    } while (token);
    // By name (not by blob name: "a-b" sorts after "a" here, before "a/..." there), a file before a same-named directory.
    return [...found.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : Number(a.isDir) - Number(b.isDir)));
  }

  /** One page of a listing below prefix, flat or (with a delimiter) one level deep; each page is retried on its own. */
  private async listPage(
    prefix: string,
    delimiter: string | undefined,
    pageSize = this.options.listPageSize,
    continuationToken?: string,
  ): Promise<{ blobs: BlobItem[]; prefixes: string[]; continuationToken: string | undefined }> {
    return this.retry(`list ${prefix || "/"}`, async (_, abortSignal) => {
      const pages =
        delimiter === undefined
          ? this.container.listBlobsFlat({ prefix, abortSignal }).byPage({ continuationToken, maxPageSize: pageSize })
          : this.container.listBlobsByHierarchy(delimiter, { prefix, abortSignal }).byPage({ continuationToken, maxPageSize: pageSize });
      const { value } = await pages.next();
      if (!value) return { blobs: [], prefixes: [], continuationToken: undefined };
      const segment = value.segment as { blobItems: BlobItem[]; blobPrefixes?: { name: string }[] };
      return {
        blobs: segment.blobItems,
        prefixes: (segment.blobPrefixes ?? []).map((entry) => entry.name),
        continuationToken: value.continuationToken || undefined,
      };
    });
  }

  /** Deletes one blob with its snapshots; false when there was none (a retry whose first try landed counts as deleted). */
  private async deleteBlob(name: string): Promise<boolean> {
    const blob = this.container.getBlobClient(name);
    return this.retry(`delete ${name}`, async (attempt, abortSignal) => {
      const { succeeded } = await blob.deleteIfExists({ abortSignal, deleteSnapshots: "include" });
      return succeeded || attempt > 0;
    });
  }

  /** registry:2 creates its container at start; here on first use, since drivers are built synchronously. */
  private ensureContainer(): Promise<void> {
    this.ready ??= this.retry(`create container ${this.settings.container}`, async (_, abortSignal) => {
      try {
        await this.container.createIfNotExists({ abortSignal });
      } catch (error) {
        // Credentials scoped to the container (a SAS) may not create it; it must exist then.
        if (statusOf(error) !== 403) throw error;
      }
    }).catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  private retry<T>(what: string, call: (attempt: number, abortSignal: AbortSignal | undefined) => Promise<T>): Promise<T> {
    return withRetries(this.policy, what, call);
  }

  private retryFn(): Retry {
    return (what, call) => this.retry(what, call);
  }

  private async notFoundAs<T>(path: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (statusOf(error) === 404) throw new PathNotFoundError(path, this.name);
      throw error;
    }
  }
}

async function copyBlob(dest: ReturnType<ContainerClient["getBlobClient"]>, sourceUrl: string): Promise<void> {
  const poller = await dest.beginCopyFromURL(sourceUrl, { intervalInMs: 200 });
  const result = await poller.pollUntilDone();
  if (result.copyStatus !== "success") throw new Error(`azure: copy ended ${result.copyStatus ?? "without a status"}`);
}

async function readAll(body: NodeJS.ReadableStream | undefined): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
