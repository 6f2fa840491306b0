import { Readable } from "node:stream";
import type { FileInfo, FileWriter, StorageDriver } from "../driver.js";
import { InvalidOffsetError, PathNotFoundError } from "../errors.js";

interface StoredFile {
  data: Buffer;
  modTime: Date;
}

/**
 * Keeps files in a Map keyed by path; directories exist while a file lies below them.
 * For tests and throwaway registries: nothing survives the process.
 */
export class InMemoryDriver implements StorageDriver {
  readonly name = "inmemory";
  private readonly files = new Map<string, StoredFile>();

  async getContent(path: string): Promise<Buffer> {
    return Buffer.from(this.file(path).data);
  }

  async putContent(path: string, content: Uint8Array): Promise<void> {
    this.files.set(path, { data: Buffer.from(content), modTime: new Date() });
  }

  async reader(path: string, offset = 0): Promise<Readable> {
    const { data } = this.file(path);
    if (offset < 0 || offset > data.length) throw new InvalidOffsetError(path, offset, this.name);
    return Readable.from([data.subarray(offset)], { objectMode: false });
  }

  async writer(path: string, options: { append?: boolean } = {}): Promise<FileWriter> {
    const existing = options.append ? this.files.get(path)?.data : undefined;
    return new InMemoryWriter(this.files, path, existing ?? Buffer.alloc(0));
  }

  async stat(path: string): Promise<FileInfo> {
    const file = this.files.get(path);
    if (file) return { path, size: file.data.length, modTime: file.modTime, isDir: false };
    const below = this.filesBelow(path);
    if (below.length === 0) throw new PathNotFoundError(path, this.name);
    const modTime = new Date(Math.max(...below.map(([, f]) => f.modTime.getTime())));
    return { path, size: 0, modTime, isDir: true };
  }

  async list(path: string): Promise<string[]> {
    const prefix = path === "/" ? "/" : `${path}/`;
    const children = new Set<string>();
    for (const key of this.files.keys()) {
      if (!key.startsWith(prefix)) continue;
      const child = key.slice(prefix.length).split("/")[0];
      if (child) children.add(prefix + child);
    }
    if (children.size === 0 && path !== "/") throw new PathNotFoundError(path, this.name);
    return [...children].sort();
  }

  async move(sourcePath: string, destPath: string): Promise<void> {
    const file = this.file(sourcePath);
    this.files.delete(sourcePath);
    this.files.set(destPath, file);
  }

  async delete(path: string): Promise<void> {
    const doomed = [...(this.files.has(path) ? [path] : []), ...this.filesBelow(path).map(([key]) => key)];
    if (doomed.length === 0) throw new PathNotFoundError(path, this.name);
    for (const key of doomed) this.files.delete(key);
  }

  async *walk(path: string): AsyncIterable<FileInfo> {
    for (const child of await this.list(path)) {
      const info = await this.stat(child);
      yield info;
      if (info.isDir) yield* this.walk(child);
    }
  }

  private file(path: string): StoredFile {
    const file = this.files.get(path);
    if (!file) throw new PathNotFoundError(path, this.name);
    return file;
  }

  private filesBelow(path: string): [string, StoredFile][] {
    const prefix = path === "/" ? "/" : `${path}/`;
    return [...this.files].filter(([key]) => key.startsWith(prefix));
  }
}

class InMemoryWriter implements FileWriter {
  private readonly chunks: Buffer[];
  private written: number;
  private done = false;

  constructor(
    private readonly files: Map<string, StoredFile>,
    private readonly path: string,
    existing: Buffer,
  ) {
    this.chunks = existing.length ? [existing] : [];
    this.written = existing.length;
  }

  get size(): number {
    return this.written;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.done) throw new Error(`writer for ${this.path} is already closed`);
    this.chunks.push(Buffer.from(chunk));
    this.written += chunk.length;
  }

  async commit(): Promise<void> {
    this.store();
  }

  async close(): Promise<void> {
    if (!this.done) this.store();
  }

  async abort(): Promise<void> {
    this.done = true;
  }

  async cancel(): Promise<void> {
    this.done = true;
    this.files.delete(this.path);
  }

  private store(): void {
    this.done = true;
    this.files.set(this.path, { data: Buffer.concat(this.chunks), modTime: new Date() });
  }
}
