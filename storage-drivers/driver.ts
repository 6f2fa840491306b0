import type { Readable, Writable } from "node:stream";

/** What stat() and walk() report about one path. */
export interface FileInfo {
  /** Driver path, always starting with "/" (e.g. "/docker/registry/v2/blobs/..."). */
  path: string;
  /** Size in bytes; 0 for directories. */
  size: number;
  modTime: Date;
  isDir: boolean;
}

/**
 * A streaming writer for one path. Bytes become visible at the path only on commit()
 * (the filesystem driver appends in place, as registry:2 does, because upload files
 * are not content until they are moved into blobs/).
 */
export interface FileWriter {
  /** Total bytes at the path, including what an appending writer found there. */
  readonly size: number;
  write(chunk: Uint8Array): Promise<void>;
  /** Flush and make the content durable. The writer cannot be used afterwards. */
  commit(): Promise<void>;
  /** Release resources, keeping what was written so far (a later append continues). */
  close(): Promise<void>;
  /** Undo this writer's own writes, leaving the path as it was before (an append writer keeps the old bytes). */
  abort(): Promise<void>;
  /** Discard everything written at this path. */
  cancel(): Promise<void>;
}

/**
 * The storage contract, path-addressed like registry:2's StorageDriver.
 * Paths are absolute driver paths: "/" followed by segments of [A-Za-z0-9._-] separated by "/".
 * Implementations throw the typed errors of ./errors.ts.
 */
export interface StorageDriver {
  readonly name: string;
  /** Whole small files (links, manifests, startedat). */
  getContent(path: string): Promise<Buffer>;
  /** Atomically replace the file at path (temp + rename or the backend's equivalent). */
  putContent(path: string, content: Uint8Array): Promise<void>;
  /** Stream the file from byte offset. Offset beyond the end → InvalidOffsetError. */
  reader(path: string, offset?: number): Promise<Readable>;
  writer(path: string, options?: { append?: boolean }): Promise<FileWriter>;
  stat(path: string): Promise<FileInfo>;
  /** Full paths of the direct children of a directory. */
  list(path: string): Promise<string[]>;
  /** Atomically move a file, replacing the destination. */
  move(sourcePath: string, destPath: string): Promise<void>;
  /** Recursively delete a file or directory. */
  delete(path: string): Promise<void>;
  /** Every file and directory below path, depth first, parents before children, lexical order. */
  walk(path: string): AsyncIterable<FileInfo>;
  /** A URL a client may fetch the content from directly, or null when the driver serves it itself. */
  redirectUrl?(path: string, method: "GET" | "HEAD"): Promise<string | null>;
  /**
   * Writes `length` bytes from `offset` to `sink` through a few reused buffers, each written again
   * only once the sink has handed it on. Optional: for drivers whose reader() would make a fresh
   * buffer per chunk (filesystem), which on a large pull set V8 collecting the whole heap over and
   * over. The caller ends the sink.
   */
  send?(path: string, offset: number, length: number, sink: Writable): Promise<void>;
}
