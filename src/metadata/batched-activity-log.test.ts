import { describe, expect, it, vi } from "vitest";
import type { ActivityEntry, ActivityFilter, ActivityLog } from "./activity-records.js";
import { BatchedActivityLog } from "./batched-activity-log.js";

type NewEntry = Omit<ActivityEntry, "id">;

class RecordingLog implements ActivityLog {
  batches: NewEntry[][] = [];
  failNext: Error | null = null;
  async record(entries: readonly NewEntry[]): Promise<void> {
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = null;
      throw error;
    }
    this.batches.push([...entries]);
  }
  async list(filter: ActivityFilter): Promise<ActivityEntry[]> {
    return this.batches.flat().slice(0, filter.limit).map((entry, index) => ({ id: index + 1, ...entry }));
  }
  async prune(): Promise<number> {
    return 0;
  }
}

const entry = (repository: string): NewEntry => ({ at: new Date().toISOString(), kind: "pull", actor: "", repository, tag: "latest", digest: null, address: "127.0.0.1" });

describe("BatchedActivityLog", () => {
  it("writes entries recorded together in one batch, and each record() resolves once written", async () => {
    const inner = new RecordingLog();
    const log = new BatchedActivityLog(inner);
    const written = ["a", "b", "c"].map((name) => log.record([entry(name)]));
    expect(inner.batches).toEqual([]);
    await Promise.all(written);
    expect(inner.batches.map((batch) => batch.map((e) => e.repository))).toEqual([["a", "b", "c"]]);
  });

  it("lets a reader see what was recorded just before, without waiting for the timer", async () => {
    const inner = new RecordingLog();
    const log = new BatchedActivityLog(inner);
    void log.record([entry("seen")]);
    expect((await log.list({ limit: 10 })).map((e) => e.repository)).toEqual(["seen"]);
  });

  it("hands a failed write's error to that batch's callers only", async () => {
    const inner = new RecordingLog();
    const log = new BatchedActivityLog(inner);
    inner.failNext = new Error("disk full");
    const failed = log.record([entry("lost")]);
    await expect(log.flush().then(() => failed)).rejects.toThrow("disk full");
    await log.record([entry("kept")]);
    expect(inner.batches.map((batch) => batch.map((e) => e.repository))).toEqual([["kept"]]);
  });

  it("writes at once when a batch is full", async () => {
    const inner = new RecordingLog();
    const log = new BatchedActivityLog(inner);
    const many = Array.from({ length: 500 }, (_, i) => entry(`r${i}`));
    vi.useFakeTimers(); // the delay never passes: only a full batch is written
    try {
      await log.record(many);
    } finally {
      vi.useRealTimers();
    }
    expect(inner.batches).toHaveLength(1);
    expect(inner.batches[0]).toHaveLength(500);
  });
});
