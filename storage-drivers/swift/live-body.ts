/**
 * A segment's body sent while the client's request is still arriving: the writer feeds chunks
 * in, the HTTP request takes them out as the socket accepts them, so a segment is never held in
 * memory whole. It can be sent once: an attempt that failed before it began sending (Swift
 * refused it before `100 Continue`, the connection was refused) may be retried; one that failed
 * after cannot, and the write fails instead.
 */
import type { Writable } from "node:stream";

interface Fed {
  chunk: Buffer;
  taken: () => void;
  failed: (error: Error) => void;
}

export class LiveBody {
  private readonly queue: Fed[] = [];
  private wake: (() => void) | null = null;
  private ended = false;
  private sending = false;
  private error: Error | null = null;

  /** An attempt has begun sending it: it cannot be sent again. */
  get started(): boolean {
    return this.sending;
  }

  /** Resolves once the chunk has been handed to the socket (the caller may then reuse it). */
  feed(chunk: Uint8Array): Promise<void> {
    if (this.error) return Promise.reject(this.error);
    return new Promise((taken, failed) => {
      this.queue.push({ chunk: Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), taken, failed });
      this.wake?.();
    });
  }

  /** No more chunks: the request ends once those fed are sent. */
  end(): void {
    this.ended = true;
    this.wake?.();
  }

  /** Fails every chunk fed and not yet sent (the attempt is over). */
  fail(error: Error): void {
    this.error ??= error;
    for (const fed of this.queue.splice(0)) fed.failed(this.error);
    this.wake?.();
  }

  async writeTo(sink: Writable): Promise<void> {
    if (this.sending) throw new Error("a streamed body cannot be sent twice");
    this.sending = true;
    for (;;) {
      if (this.error) throw this.error;
      const fed = this.queue.shift();
      if (fed === undefined) {
        if (this.ended) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = null;
        continue;
      }
      await new Promise<void>((resolve, reject) =>
        void sink.write(fed.chunk, (error) => {
          if (error) {
            fed.failed(error);
            reject(error);
          } else {
            fed.taken();
            resolve();
          }
        }),
      );
    }
  }
}
