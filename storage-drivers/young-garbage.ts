/**
 * Blob bytes move through Berth as one freshly malloc'd Buffer per chunk: request bodies reaching
 * a writer, and object-store reads on their way to a client (the filesystem driver sends files
 * through reused buffers instead: driver.send). Each is done with at once, but V8 frees them
 * only at a young-generation collection, which comes after 32 MB of them (or after 16 MB of JS
 * objects, far later at a few hundred bytes per chunk). Uploads: with four at once that garbage
 * was 30-40 MB of peak RSS. Pulls: the growing external memory made V8 start full collections of
 * the whole heap instead, about half the CPU of a 512 MiB pull. Asking for a minor collection
 * every COLLECT_EVERY bytes keeps it to about that much, for a fraction of a millisecond each
 * (few objects survive).
 *
 * Object-store bytes get young collections more often, and writes to an object store a full
 * collection now and then: OBJECT_STORE_COLLECT_EVERY and FULL_COLLECT_EVERY.
 *
 * V8 gives gc() only under --expose-gc: the flag is turned on just long enough to make one new
 * context and take its gc function. Where that fails, writes go on with V8's own schedule.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

export const COLLECT_EVERY = 8 * 1024 * 1024;

/**
 * For object stores. V8 counts external memory allocated since its last full collection against
 * the old generation's limit, whose slack can be as little as 8 MB after a collection (always
 * after a forced one): 8 MiB of chunks waiting for a young collection then start full
 * collections back to back, every ~150 ms. Object-store pulls fell into that now and then even
 * without forced collections (2.2 instead of 0.7 s of CPU per 256 MiB pulled from S3); with
 * FULL_COLLECT_EVERY, pushes to any store did (filesystem: 6.1 instead of 2.8 s/GB). Filesystem
 * writes, never given a full collection, keep COLLECT_EVERY: 2 MiB cost them 3.3 s/GB.
 */
export const OBJECT_STORE_COLLECT_EVERY = 2 * 1024 * 1024;

/**
 * Bytes written to an object store between two full collections. What an upload holds while a
 * part is on its way (the request's chunks waiting, the SDK's objects for the part) outlives
 * young collections and moves to the old generation: 40-50 MB over four concurrent 1 GiB uploads
 * to S3 before V8's first full collection of its own, ~70 s in. One forced collection per 512
 * MiB (25-60 ms) keeps that to a few MB. Reads never force one (it leaves V8's limits low for a
 * while); the filesystem has nothing to hold while a part is on its way.
 */
export const FULL_COLLECT_EVERY = 512 * 1024 * 1024;

interface Collectors {
  minor: () => void;
  full: () => void;
}

let collectors: Collectors | null | undefined;
let sinceMinor = 0;
let sinceFull = 0;

/** Counts `bytes` of blob data written to a local store; every COLLECT_EVERY of them, collects the young generation. */
export function noteBlobBytes(bytes: number): void {
  collectYoungEvery(bytes, COLLECT_EVERY);
}

/** Counts `bytes` read from an object store on their way to a client. */
export function noteObjectStoreRead(bytes: number): void {
  collectYoungEvery(bytes, OBJECT_STORE_COLLECT_EVERY);
}

function collectYoungEvery(bytes: number, every: number): void {
  sinceMinor += bytes;
  if (sinceMinor < every) return;
  sinceMinor = 0;
  collectors ??= gcCollectors();
  collectors?.minor();
}

/** Counts `bytes` written to an object store: young collections as for its reads, and every FULL_COLLECT_EVERY a full one. */
export function noteObjectStoreWrite(bytes: number): void {
  noteObjectStoreRead(bytes);
  sinceFull += bytes;
  if (sinceFull < FULL_COLLECT_EVERY) return;
  sinceFull = 0;
  collectors ??= gcCollectors();
  collectors?.full();
}

function gcCollectors(): Collectors | null {
  try {
    setFlagsFromString("--expose-gc");
    const gc: unknown = runInNewContext("gc");
    if (typeof gc !== "function") return null;
    // Without options gc() collects everything; { type: "major" } gives a minor one on Node 20.
    return { minor: () => (gc as (options: { type: "minor" }) => void)({ type: "minor" }), full: () => (gc as () => void)() };
  } catch {
    return null;
  } finally {
    // Only the context made above has gc(); contexts made later (vm users) do not.
    setFlagsFromString("--no-expose-gc");
  }
}
