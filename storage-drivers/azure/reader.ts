/**
 * A blob's bytes as one stream that survives broken connections: when a download ends early or
 * fails transiently, it asks again from the first byte not yet delivered (pinned to the ETag the
 * read began with, so a blob replaced meanwhile fails the read instead of mixing two versions).
 * The SDK's own resumption gives up when Node reports the answer "aborted", the usual way a
 * dropped connection shows, so it is done here. Pulled on demand: backpressure holds.
 */
import { Readable } from "node:stream";
import { StorageUnavailableError } from "../errors.js";
import { isTransient } from "./retry.js";

export interface ResumingSource {
  /** Opens the bytes from `offset` to the end. */
  open(offset: number): Promise<NodeJS.ReadableStream>;
  /** Offset of the first byte and the blob's size. */
  start: number;
  end: number;
  /** New downloads allowed after the first. */
  maxResumes: number;
  /** For messages. */
  path: string;
}

async function* resumingBytes(source: ResumingSource): AsyncGenerator<Buffer> {
  let offset = source.start;
  let resumes = 0;
  while (offset < source.end) {
    const body = await source.open(offset);
    try {
      for await (const chunk of body) {
        const bytes = chunk as Buffer;
        offset += bytes.length;
        yield bytes;
      }
      if (offset < source.end) throw new Error(`download of ${source.path} ended early at ${offset} of ${source.end} bytes (premature close)`);
    } catch (error) {
      if (!isTransient(error)) throw error;
      if (resumes >= source.maxResumes) {
        throw new StorageUnavailableError(`azure: reading ${source.path} broke off ${resumes + 1} times, last at byte ${offset}`, "azure", { cause: error });
      }
      resumes += 1;
    } finally {
      (body as Readable).destroy?.();
    }
  }
}

export function resumingStream(source: ResumingSource): Readable {
  return Readable.from(resumingBytes(source), { objectMode: false });
}
