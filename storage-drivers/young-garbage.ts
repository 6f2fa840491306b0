/**
 * Blob bytes move through Berth as one freshly malloc'd Buffer per chunk: request bodies reaching
 * a writer, and object-store reads on their way to a client (the filesystem driver sends files
 * through reused buffers instead: driver.send). Each is done with at once, but V8 frees them
 * only at a young-generation collection, which comes after 32 MB of them (or
 * after 16 MB of JS objects, far later at a few hundred bytes per chunk). Uploads: with four at
 * once that garbage was 30-40 MB of peak RSS. Pulls: the growing external memory made V8 start
 * full mark-compact collections of the whole heap instead, about half the CPU of a 512 MiB pull.
 * Asking for a minor collection every COLLECT_EVERY bytes keeps it to about that much, for a
 * fraction of a millisecond each (few objects survive).
 *
 * V8 gives gc() only under --expose-gc: the flag is turned on just long enough to make one new
 * context and take its gc function. Where that fails, writes go on with V8's own schedule.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

export const COLLECT_EVERY = 8 * 1024 * 1024;

type MinorCollection = () => void;

let collect: MinorCollection | null | undefined;
let sinceLast = 0;

/** Counts `bytes` of blob data written or read; every COLLECT_EVERY of them, collects the young generation. */
export function noteBlobBytes(bytes: number): void {
  sinceLast += bytes;
  if (sinceLast < COLLECT_EVERY) return;
  sinceLast = 0;
  collect ??= minorCollection();
  collect?.();
}

function minorCollection(): MinorCollection | null {
  try {
    setFlagsFromString("--expose-gc");
    const gc: unknown = runInNewContext("gc");
    if (typeof gc !== "function") return null;
    return () => (gc as (options: { type: "minor" }) => void)({ type: "minor" });
  } catch {
    return null;
  } finally {
    // Only the context made above has gc(); contexts made later (vm users) do not.
    setFlagsFromString("--no-expose-gc");
  }
}
