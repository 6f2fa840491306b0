/**
 * A file's bytes as one stream that survives broken connections: when a download ends early or
 * fails transiently, it asks again from the first byte not yet delivered (the driver pins that
 * request to the version the read began with, e.g. by ETag, so a file replaced meanwhile fails
 * the read instead of mixing two versions). SDKs' own resumption gives up when Node reports the
 * answer "aborted", the usual way a dropped connection shows, so it is done here. Pulled on
 * demand: backpressure holds.
 */
import { Readable } from "node:stream";
import { StorageUnavailableError } from "./errors.js";

export interface ResumingSource {
  /** Opens the bytes from `offset` to the end. */
  open(offset: number): Promise<NodeJS.ReadableStream>;
  /** Offset of the first byte and the file's size. */
  start: number;
  end: number;
  /** New downloads allowed after the first. */
  maxResumes: number;
  /** Whether a failure mid-body is worth asking again. */
  isTransient: (error: unknown) => boolean;
  /** For messages. */
  driver: string;
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
      if (!source.isTransient(error)) throw error;
      if (resumes >= source.maxResumes) {
        throw new StorageUnavailableError(`${source.driver}: reading ${source.path} broke off ${resumes + 1} times, last at byte ${offset}`, source.driver, { cause: error });
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
