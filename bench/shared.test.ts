import { describe, expect, it } from "vitest";
import { SharedResources } from "./shared.js";

describe("SharedResources", () => {
  it("starts a resource once, however many scenarios ask, and stops it once", async () => {
    const resources = new SharedResources();
    let starts = 0;
    let stops = 0;
    const start = async () => {
      starts++;
      return { stop: async () => void stops++ };
    };
    const [a, b] = await Promise.all([resources.get("swift", start), resources.get("swift", start)]);
    expect(a).toBe(b);
    expect(starts).toBe(1);
    await resources.stopAll(() => undefined);
    expect(stops).toBe(1);
  });

  it("hands every caller the failed start, and reports a failed stop without throwing", async () => {
    const resources = new SharedResources();
    await expect(resources.get("broken", async () => Promise.reject(new Error("no swift")))).rejects.toThrow("no swift");
    await expect(resources.get("broken", async () => ({ stop: async () => undefined }))).rejects.toThrow("no swift");
    await resources.get("stubborn", async () => ({ stop: async () => Promise.reject(new Error("still running")) }));
    const reports: string[] = [];
    await resources.stopAll((message) => reports.push(message));
    expect(reports).toEqual(["stopping stubborn: still running"]);
  });
});
