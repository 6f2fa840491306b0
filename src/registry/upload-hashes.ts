/**
 * Running sha256 states of upload sessions, kept in memory only as an optimisation:
 * Node cannot persist a hash state, so when an entry is missing (restart, another replica,
 * an interrupted PATCH) the upload's stored data is hashed again at completion.
 */
import { createHash, type Hash } from "node:crypto";

interface Entry {
  hash: Hash;
  /** Bytes hashed so far; valid only while it equals the stored data's size. */
  offset: number;
}

export class UploadHashes {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly maxEntries = 1024) {}

  /** The running hash for an upload whose stored data has `size` bytes, when it is in step. */
  take(uuid: string, size: number): Entry | undefined {
    const entry = this.entries.get(uuid);
    if (entry && entry.offset === size) return entry;
    if (size === 0) return { hash: createHash("sha256"), offset: 0 };
    return undefined;
  }

  keep(uuid: string, entry: Entry): void {
    this.entries.delete(uuid);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(uuid, entry);
  }

  forget(uuid: string): void {
    this.entries.delete(uuid);
  }
}
