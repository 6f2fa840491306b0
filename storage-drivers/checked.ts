import type { Readable, Writable } from "node:stream";
import type { FileInfo, FileWriter, StorageDriver } from "./driver.js";
import { InvalidPathError, StorageError } from "./errors.js";
import { Semaphore } from "./semaphore.js";
import { noteBlobBytes, noteObjectStoreWrite } from "./young-garbage.js";

/** registry:2's path grammar: "/" then segments of [A-Za-z0-9._-], no empty, "." or ".." segment. */
const PATH_PATTERN = /^(\/(?!\.\.?(?:\/|$))[A-Za-z0-9._-]+)+$/;

export function isValidPath(path: string): boolean {
  return PATH_PATTERN.test(path);
}

export interface CheckedOptions {
  /** Most driver calls in flight at once; further calls wait their turn. */
  maxConcurrency?: number;
  /** The driver writes to an object store over the network (young-garbage.ts treats its bytes differently). */
  objectStore?: boolean;
  /** Told about every call when it ends, for metrics and logs. */
  onOperation?: (event: { driver: string; operation: string; durationMs: number; error?: unknown }) => void;
}

/**
 * Wraps a driver once, so every backend gets the same path checks, the same error types
 * (anything untyped becomes a StorageError naming the driver) and the same concurrency limit.
 */
export class CheckedDriver implements StorageDriver {
  readonly name: string;
  private readonly limit: Semaphore | null;

  constructor(
    private readonly inner: StorageDriver,
    private readonly options: CheckedOptions = {},
  ) {
    this.name = inner.name;
    this.limit = options.maxConcurrency ? new Semaphore(options.maxConcurrency) : null;
    if (inner.redirectUrl) {
      const redirect = inner.redirectUrl.bind(inner);
      this.redirectUrl = (path, method) => this.run("redirectUrl", path, () => redirect(path, method));
    }
    if (inner.send) {
      const send = inner.send.bind(inner);
      // Like a reader's stream, not an operation with a latency: it lasts as long as the client
      // takes, and a client going away is not the driver's error.
      this.send = async (path, offset, length, sink) => {
        this.check(path);
        await send(path, offset, length, sink).catch((error: unknown) => Promise.reject(normalise(error, this.name)));
      };
    }
  }

  redirectUrl?: (path: string, method: "GET" | "HEAD") => Promise<string | null>;
  send?: (path: string, offset: number, length: number, sink: Writable) => Promise<void>;

  getContent(path: string): Promise<Buffer> {
    return this.run("getContent", path, () => this.inner.getContent(path));
  }

  putContent(path: string, content: Uint8Array): Promise<void> {
    return this.run("putContent", path, () => this.inner.putContent(path, content));
  }

  reader(path: string, offset = 0): Promise<Readable> {
    return this.run("reader", path, () => this.inner.reader(path, offset));
  }

  async writer(path: string, options?: { append?: boolean }): Promise<FileWriter> {
    const writer = await this.run("writer", path, () => this.inner.writer(path, options));
    return new CheckedWriter(writer, this.name, this.options.objectStore ? noteObjectStoreWrite : noteBlobBytes);
  }

  stat(path: string): Promise<FileInfo> {
    return this.run("stat", path, () => this.inner.stat(path), { allowRoot: true });
  }

  list(path: string): Promise<string[]> {
    return this.run("list", path, () => this.inner.list(path), { allowRoot: true });
  }

  async move(sourcePath: string, destPath: string): Promise<void> {
    this.check(destPath);
    return this.run("move", sourcePath, () => this.inner.move(sourcePath, destPath));
  }

  delete(path: string): Promise<void> {
    return this.run("delete", path, () => this.inner.delete(path));
  }

  async *walk(path: string): AsyncIterable<FileInfo> {
    this.check(path, true);
    try {
      yield* this.inner.walk(path);
    } catch (error) {
      throw normalise(error, this.name);
    }
  }

  private check(path: string, allowRoot = false): void {
    if (allowRoot && path === "/") return;
    if (!isValidPath(path)) throw new InvalidPathError(path, this.name);
  }

  private async run<T>(operation: string, path: string, call: () => Promise<T>, opts: { allowRoot?: boolean } = {}): Promise<T> {
    this.check(path, opts.allowRoot);
    const release = this.limit ? await this.limit.acquire() : null;
    const started = performance.now();
    let failure: unknown;
    try {
      return await call();
    } catch (error) {
      failure = normalise(error, this.name);
      throw failure;
    } finally {
      release?.();
      this.options.onOperation?.({ driver: this.name, operation, durationMs: performance.now() - started, error: failure });
    }
  }
}

class CheckedWriter implements FileWriter {
  constructor(
    private readonly inner: FileWriter,
    private readonly driver: string,
    private readonly noteBytes: (bytes: number) => void,
  ) {}

  get size(): number {
    return this.inner.size;
  }

  write(chunk: Uint8Array): Promise<void> {
    this.noteBytes(chunk.byteLength);
    return this.inner.write(chunk).catch((error: unknown) => Promise.reject(normalise(error, this.driver)));
  }

  commit(): Promise<void> {
    return this.inner.commit().catch((error: unknown) => Promise.reject(normalise(error, this.driver)));
  }

  close(): Promise<void> {
    return this.inner.close().catch((error: unknown) => Promise.reject(normalise(error, this.driver)));
  }

  abort(): Promise<void> {
    return this.inner.abort().catch((error: unknown) => Promise.reject(normalise(error, this.driver)));
  }

  cancel(): Promise<void> {
    return this.inner.cancel().catch((error: unknown) => Promise.reject(normalise(error, this.driver)));
  }
}

function normalise(error: unknown, driver: string): StorageError {
  if (error instanceof StorageError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new StorageError(`${driver}: ${message}`, driver, { cause: error });
}
