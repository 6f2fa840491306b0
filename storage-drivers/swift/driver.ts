/**
 * registry:2's Swift driver, path for path: driver path /a/b is object "<prefix>/files/a/b" in
 * one container, large files are dynamic large objects over "<prefix>/segments/...", and blob
 * GETs may be redirected to temp URLs. The connection is set up on first use (log in, create
 * the container, read the cluster's /info, settle the temp URL key), so building the driver
 * never blocks and a Swift that is down at startup is retried on the next call.
 */
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import type { FileInfo, FileWriter, StorageDriver } from "../driver.js";
import { InvalidOffsetError, PathNotFoundError } from "../errors.js";
import { SwiftClient, SwiftHttpError, type SwiftClientOptions } from "./client.js";
import type { SwiftConfig } from "./config.js";
import { header } from "./http.js";
import { childPrefix, driverPath, objectName } from "./layout.js";
import { backoffDelay, DEFAULT_RETRY_POLICY, isConnectionError, type RetryPolicy } from "../retry.js";
import { sameSegments, SwiftStore, type LargeObject } from "./store.js";
import { pickDigest, tempUrl, type TempUrlDigest } from "./tempurl.js";
import { SwiftWriter } from "./writer.js";

/** registry:2 signs temp URLs for 20 minutes. */
const TEMP_URL_LIFETIME_S = 20 * 60;
// A 416 answer tells the size: "Content-Range: bytes */<size>".
const UNSATISFIABLE_RANGE = /^bytes \*\/(\d+)$/;

interface TempUrlSettings {
  key: string;
  methods: Set<string>;
  digest: TempUrlDigest;
}

export interface SwiftDriverOptions {
  /** For tests: retry timing, socket limits. */
  client?: Partial<Omit<SwiftClientOptions, "credentials" | "insecureSkipVerify">>;
}

export class SwiftDriver implements StorageDriver {
  readonly name = "swift";
  private readonly store: SwiftStore;
  private readonly retry: RetryPolicy;
  private ready: Promise<TempUrlSettings | null> | null = null;

  constructor(
    private readonly config: SwiftConfig,
    options: SwiftDriverOptions = {},
  ) {
    const client = new SwiftClient({ ...options.client, credentials: config.credentials, insecureSkipVerify: config.insecureSkipVerify });
    this.store = new SwiftStore(client, config.container, config.prefix);
    this.retry = options.client?.retry ?? DEFAULT_RETRY_POLICY;
  }

  async getContent(path: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.reader(path, 0)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async putContent(path: string, content: Uint8Array): Promise<void> {
    await this.connect();
    const name = this.object(path);
    const before = await this.store.head(name);
    await this.store.put(name, Buffer.from(content.buffer, content.byteOffset, content.byteLength));
    if (before?.largeObject) await this.release(name, before.largeObject);
  }

  async reader(path: string, offset = 0): Promise<Readable> {
    await this.connect();
    const name = this.object(path);
    const first = await this.store.get(name, offset);
    if (first.statusCode === 404) throw new PathNotFoundError(path, this.name);
    if (first.statusCode === 416) {
      // Past the end: the answer says the size; at the end exactly is an empty read.
      const size = Number(UNSATISFIABLE_RANGE.exec(header(first, "content-range") ?? "")?.[1] ?? Number.NaN);
      const known = Number.isNaN(size) ? ((await this.store.head(name))?.size ?? 0) : size;
      if (offset > known) throw new InvalidOffsetError(path, offset, this.name);
      return Readable.from([]);
    }
    return Readable.from(this.resumingBody(name, offset, first), { objectMode: false });
  }

  async writer(path: string, options: { append?: boolean } = {}): Promise<FileWriter> {
    await this.connect();
    return SwiftWriter.open(this.store, this.config.prefix, path, this.object(path), { chunkSize: this.config.chunkSize, stream: this.config.streamSegments }, options.append ?? false);
  }

  async stat(path: string): Promise<FileInfo> {
    await this.connect();
    if (path === "/") {
      // The root always exists; asking the container keeps this a real health probe.
      await this.store.client.call({ method: "HEAD", container: this.config.container }, [200, 204]);
      return { path, size: 0, modTime: new Date(0), isDir: true };
    }
    const head = await this.store.head(this.object(path));
    if (head) return { path, size: head.size, modTime: head.modTime, isDir: false };
    if (await this.store.anyBelow(childPrefix(this.config.prefix, path))) return { path, size: 0, modTime: new Date(0), isDir: true };
    throw new PathNotFoundError(path, this.name);
  }

  async list(path: string): Promise<string[]> {
    await this.connect();
    const children: string[] = [];
    for await (const entry of this.store.client.list(this.config.container, childPrefix(this.config.prefix, path), "/")) {
      children.push(driverPath(this.config.prefix, entry.name));
    }
    if (children.length === 0 && path !== "/") throw new PathNotFoundError(path, this.name);
    return [...new Set(children)].sort();
  }

  async move(sourcePath: string, destPath: string): Promise<void> {
    await this.connect();
    const source = this.object(sourcePath);
    const dest = this.object(destPath);
    const head = await this.store.head(source);
    if (!head) throw new PathNotFoundError(sourcePath, this.name);
    const replaced = (await this.store.head(dest))?.largeObject ?? null;
    if (head.largeObject?.kind === "dynamic") {
      // A new manifest naming the same segments: instant, whatever the size. The source stops
      // naming them first, so the two never share them: a process killed between the steps
      // leaves a source whose later delete() would release the destination's segments otherwise
      // (a killed replica's upload, cleaned up by the next). Killed after this first step, the
      // segments are orphaned and the source reads empty, so the upload fails its digest check.
      await this.store.put(source, Buffer.alloc(0));
      await this.store.put(dest, Buffer.alloc(0), { "x-object-manifest": head.largeObject.header });
    } else if (!(await this.store.copy(source, dest, { manifestOnly: head.largeObject?.kind === "static" }))) {
      throw new PathNotFoundError(sourcePath, this.name);
    }
    await this.store.delete(source);
    if (replaced && !sameSegments(replaced, head.largeObject)) await this.release(dest, replaced);
  }

  /** Files first, so readers see a file whole or not at all, then the segments they used. */
  async delete(path: string): Promise<void> {
    await this.connect();
    const name = this.object(path);
    const below = await this.store.listObjects(`${name}/`);
    const self = await this.store.head(name);
    if (!self && below.length === 0) throw new PathNotFoundError(path, this.name);
    const manifests = await this.store.largeObjectsAmong(below);
    if (self?.largeObject) manifests.push({ name, largeObject: self.largeObject });
    const segments: string[] = [];
    for (const manifest of manifests) segments.push(...(await this.store.ownSegments(manifest.name, manifest.largeObject)));
    const files = below.map((entry) => entry.name);
    if (self) files.push(name);
    await this.store.deleteMany(files);
    await this.store.deleteMany(segments);
  }

  async *walk(path: string): AsyncIterable<FileInfo> {
    await this.connect();
    if (path !== "/") {
      const info = await this.stat(path);
      if (!info.isDir) throw new PathNotFoundError(path, this.name);
    }
    yield* this.walkBelow(path);
  }

  async redirectUrl(path: string, method: "GET" | "HEAD"): Promise<string | null> {
    const settings = await this.connect();
    // A signature for GET also serves HEAD, as registry:2 relies on.
    const signed = method === "HEAD" ? "GET" : method;
    if (!settings || !settings.methods.has(signed)) return null;
    const session = await this.store.client.session();
    return tempUrl({
      storageUrl: session.storageUrl,
      container: this.config.container,
      object: this.object(path),
      method: signed,
      key: settings.key,
      digest: settings.digest,
      expires: Math.floor(Date.now() / 1000) + TEMP_URL_LIFETIME_S,
      accessKey: this.config.accessKey,
      tenantId: this.config.credentials.tenantId,
    });
  }

  /** Ends the keep-alive connections (the process can then exit). */
  close(): void {
    this.store.client.close();
  }

  private object(path: string): string {
    return objectName(this.config.prefix, path);
  }

  /** Deletes this registry's segments of a large object that is gone or replaced. */
  private async release(name: string, largeObject: LargeObject): Promise<void> {
    await this.store.deleteMany(await this.store.ownSegments(name, largeObject));
  }

  /** One directory listing per directory, children re-sorted by name (Swift sorts "a-b" before "a/"). */
  private async *walkBelow(path: string): AsyncGenerator<FileInfo> {
    const entries: FileInfo[] = [];
    for await (const entry of this.store.client.list(this.config.container, childPrefix(this.config.prefix, path), "/")) {
      const child = driverPath(this.config.prefix, entry.name);
      if (entry.kind === "subdir") entries.push({ path: child, size: 0, modTime: new Date(0), isDir: true });
      else entries.push({ path: child, size: entry.bytes, modTime: entry.lastModified, isDir: false });
    }
    entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : Number(b.isDir) - Number(a.isDir)));
    for (const entry of entries) {
      if (entry.isDir) {
        yield entry;
        yield* this.walkBelow(entry.path);
      } else if (entry.size === 0) {
        // A dynamic manifest lists as 0 bytes: its size is the sum of its segments.
        const head = await this.store.head(this.object(entry.path));
        if (head) yield { ...entry, size: head.size, modTime: head.modTime };
      } else {
        yield entry;
      }
    }
  }

  /** The body, re-requested from where it broke off when the connection fails mid-stream. */
  private async *resumingBody(name: string, offset: number, first: Awaited<ReturnType<SwiftStore["get"]>>): AsyncGenerator<Buffer> {
    let position = offset;
    let response = first;
    for (let retry = 0; ; ) {
      try {
        for await (const chunk of response) {
          position += (chunk as Buffer).length;
          retry = 0;
          yield chunk as Buffer;
        }
        return;
      } catch (error) {
        response.destroy();
        if (!isConnectionError(error) || retry >= this.retry.maxRetries) throw error;
        retry++;
        await sleep(backoffDelay(this.retry, retry));
        response = await this.store.get(name, position);
        if (response.statusCode === 416) return;
        if (response.statusCode !== 200 && response.statusCode !== 206) throw new SwiftHttpError(response.statusCode ?? 0, `resuming GET ${name}`);
        if (response.statusCode === 200 && position > 0) {
          response.destroy();
          throw new SwiftHttpError(200, `resuming GET ${name}`, "the range was ignored");
        }
      }
    }
  }

  /** Logs in and settles the container and temp URL key once; a failure is retried on the next call. */
  private connect(): Promise<TempUrlSettings | null> {
    this.ready ??= this.setUp().catch((error: unknown) => {
      this.ready = null;
      throw error;
    });
    return this.ready;
  }

  private async setUp(): Promise<TempUrlSettings | null> {
    await this.store.ensureContainer();
    const info = await this.store.client.info();
    const bulk = info?.bulk_delete as { max_deletes_per_request?: number } | undefined;
    this.store.bulkDeleteMax = bulk ? (bulk.max_deletes_per_request ?? 10_000) : 0;
    try {
      return await this.tempUrlSettings(info);
    } catch (error) {
      // Not allowed to read or set a key (no admin role): serve blobs through the registry.
      if (error instanceof SwiftHttpError) return null;
      throw error;
    }
  }

  /**
   * Temp URLs as registry:2 sets them up: the methods the cluster offers (or those configured),
   * the key from the container (Swift ≥ 2.3) or the account, and a random key stored there when
   * none is set yet. Without a usable key, blobs are served through the registry.
   */
  private async tempUrlSettings(info: Record<string, unknown> | null): Promise<TempUrlSettings | null> {
    const tempurl = info?.tempurl as { methods?: unknown; allowed_digests?: unknown } | undefined;
    const offered = Array.isArray(tempurl?.methods) ? tempurl.methods.filter((m): m is string => typeof m === "string") : [];
    const methods = this.config.tempUrlMethods ?? offered;
    if (methods.length === 0) return null;
    const version = (info?.swift as { version?: unknown } | undefined)?.version;
    const onContainer = this.config.tempUrlContainerKey ?? (typeof version === "string" && atLeast(version, [2, 3, 0]));
    const target = onContainer ? { container: this.config.container } : {};
    const metaHeader = onContainer ? "x-container-meta-temp-url-key" : "x-account-meta-temp-url-key";
    const head = await this.store.client.call({ method: "HEAD", ...target }, [200, 204]);
    let key = header(head, metaHeader) ?? "";
    const wanted = this.config.secretKey ?? "";
    if (key === "" || (wanted !== "" && key !== wanted)) {
      const fresh = wanted || randomBytes(32).toString("hex");
      const update = await this.store.client.request({ method: "POST", ...target, headers: { [metaHeader]: fresh } });
      update.resume();
      if (update.statusCode !== 204 && update.statusCode !== 202 && update.statusCode !== 200) return null;
      key = fresh;
    }
    return { key, methods: new Set(methods), digest: pickDigest(tempurl?.allowed_digests) };
  }
}

/** "2.30.1" ≥ [2, 3, 0], comparing numbers (registry:2 compares strings, which "2.10" fails). */
function atLeast(version: string, wanted: number[]): boolean {
  const parts = version.split(/[.-]/).map((part) => Number.parseInt(part, 10));
  for (let i = 0; i < wanted.length; i++) {
    const have = Number.isNaN(parts[i] ?? Number.NaN) ? 0 : parts[i]!;
    if (have !== wanted[i]) return have > wanted[i]!;
  }
  return true;
}
