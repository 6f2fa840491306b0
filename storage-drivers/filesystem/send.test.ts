import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { InvalidOffsetError, PathNotFoundError } from "../errors.js";
import { createDriver } from "../index.js";

async function driverWith(path: string, content: Buffer) {
  const driver = createDriver("filesystem", { rootdirectory: await mkdtemp(join(tmpdir(), "berth-send-")) });
  await driver.putContent(path, content);
  return driver;
}

/** Keeps copies of what it is given, handing each chunk on after a delay (a slow client). */
function slowSink(delayMs: number) {
  const received: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      received.push(Buffer.from(chunk));
      setTimeout(done, delayMs);
    },
  });
  return { sink, received: () => Buffer.concat(received) };
}

describe("filesystem send", () => {
  it("sends whole files and ranges bit-identical through its reused buffers, however slow the sink", async () => {
    const content = randomBytes(3 * 1024 * 1024 + 12_345);
    const driver = await driverWith("/big", content);
    const whole = slowSink(1);
    await driver.send!("/big", 0, content.length, whole.sink);
    expect(whole.received().equals(content)).toBe(true);
    const part = slowSink(0);
    await driver.send!("/big", 700_001, 1_500_000, part.sink);
    expect(part.received().equals(content.subarray(700_001, 2_200_001))).toBe(true);
    const empty = slowSink(0);
    await driver.send!("/big", 10, 0, empty.sink);
    expect(empty.received().length).toBe(0);
  });

  it("fails with PathNotFoundError for a missing file, and with the sink's error when the client goes", async () => {
    const driver = await driverWith("/big", randomBytes(2 * 1024 * 1024));
    await expect(driver.send!("/missing", 0, 10, slowSink(0).sink)).rejects.toBeInstanceOf(PathNotFoundError);
    let writes = 0;
    const failing = new Writable({
      write(_chunk, _encoding, done) {
        writes++;
        done(writes === 2 ? new Error("client went away") : null);
      },
    });
    failing.on("error", () => undefined);
    await expect(driver.send!("/big", 0, 2 * 1024 * 1024, failing)).rejects.toThrow(/client went away/);
  });

  it("fails with InvalidOffsetError when the file ends before the span, after sending what it has", async () => {
    const content = randomBytes(600_000);
    const driver = await driverWith("/short", content);
    const sink = slowSink(0);
    await expect(driver.send!("/short", 0, content.length + 10, sink.sink)).rejects.toBeInstanceOf(InvalidOffsetError);
    expect(sink.received().equals(content)).toBe(true);
  });
});
