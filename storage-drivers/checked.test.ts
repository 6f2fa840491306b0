import { describe, expect, it } from "vitest";
import { CheckedDriver } from "./checked.js";
import { InMemoryDriver } from "./inmemory/driver.js";
import { StorageError } from "./errors.js";

describe("CheckedDriver", () => {
  it("turns untyped failures into StorageError naming the driver", async () => {
    const inner = new InMemoryDriver();
    inner.getContent = async () => {
      throw new Error("disk on fire");
    };
    const error = await new CheckedDriver(inner).getContent("/x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).message).toBe("inmemory: disk on fire");
  });

  it("keeps at most maxConcurrency calls in flight", async () => {
    const inner = new InMemoryDriver();
    let inFlight = 0;
    let peak = 0;
    inner.stat = async (path) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return { path, size: 0, modTime: new Date(), isDir: false };
    };
    const checked = new CheckedDriver(inner, { maxConcurrency: 3 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => checked.stat(`/f${i}`)));
    expect(peak).toBe(3);
  });

  it("reports every operation with its outcome", async () => {
    const seen: string[] = [];
    const checked = new CheckedDriver(new InMemoryDriver(), {
      onOperation: ({ operation, error }) => seen.push(`${operation}:${error ? "error" : "ok"}`),
    });
    await checked.putContent("/a", Buffer.from("x"));
    await checked.getContent("/b").catch(() => undefined);
    expect(seen).toEqual(["putContent:ok", "getContent:error"]);
  });
});
