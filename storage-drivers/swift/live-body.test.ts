import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { LiveBody } from "./live-body.js";

function collector(fail?: Error) {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      setImmediate(() => done(fail));
    },
  });
  return { sink, chunks };
}

describe("LiveBody", () => {
  it("sends what is fed, in order, resolving each feed once the sink took it, and ends on end()", async () => {
    const body = new LiveBody();
    const { sink, chunks } = collector();
    const sending = body.writeTo(sink);
    await body.feed(Buffer.from("ab"));
    expect(Buffer.concat(chunks).toString()).toBe("ab");
    const next = body.feed(Buffer.from("cd"));
    body.end();
    await next;
    await sending;
    expect(Buffer.concat(chunks).toString()).toBe("abcd");
  });

  it("cannot be sent again once an attempt began sending it", async () => {
    const fresh = new LiveBody();
    expect(fresh.started).toBe(false);
    const { sink } = collector();
    const first = fresh.writeTo(sink);
    expect(fresh.started).toBe(true);
    await fresh.feed(Buffer.from("x"));
    fresh.end();
    await first;
    await expect(fresh.writeTo(collector().sink)).rejects.toThrow(/cannot be sent twice/);
  });

  it("fails waiting and later feeds when the attempt fails", async () => {
    const body = new LiveBody();
    const waiting = body.feed(Buffer.from("never sent"));
    body.fail(new Error("swift said no"));
    await expect(waiting).rejects.toThrow("swift said no");
    await expect(body.feed(Buffer.from("later"))).rejects.toThrow("swift said no");
  });

  it("fails the feed whose write the sink refused", async () => {
    const body = new LiveBody();
    const { sink } = collector(new Error("socket closed"));
    sink.on("error", () => undefined);
    const sending = body.writeTo(sink);
    await expect(body.feed(Buffer.from("x"))).rejects.toThrow("socket closed");
    await expect(sending).rejects.toThrow("socket closed");
  });
});
