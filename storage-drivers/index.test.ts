import { describe, expect, it } from "vitest";
import { createDriver, driverNames, openDriver } from "./index.js";

describe("driver factories", () => {
  it("knows registry:2's drivers by their section names", () => {
    expect(driverNames().sort()).toEqual(["azure", "filesystem", "inmemory", "s3", "swift"]);
  });

  it("opens an object store's driver once its module is loaded, checking its section as the factory does", async () => {
    await expect(openDriver("s3", { region: "us-east-1", bucket: "b", chunksize: 1000 })).rejects.toThrow(/storage\.s3\.chunksize/);
    const driver = await openDriver("s3", { region: "us-east-1", bucket: "b" });
    expect(driver.name).toBe("s3");
  });

  it("opens local drivers too, the same as createDriver", async () => {
    const driver = await openDriver("inmemory", {});
    await driver.putContent("/a", Buffer.from("x"));
    expect((await driver.getContent("/a")).toString()).toBe("x");
    expect(createDriver("inmemory", {}).name).toBe(driver.name);
  });

  it("names the drivers it has when asked for another", async () => {
    await expect(openDriver("gcs", {})).rejects.toThrow(/storage driver "gcs" is not available in this build \(available: filesystem, inmemory, s3, swift, azure\)/);
  });
});
