import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./index.js";
import { writeConfig } from "./test-files.js";

function problems(file: string, env: Record<string, string> = {}): string[] {
  try {
    loadConfig({ path: writeConfig(file).path, env });
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
}

describe("gc section", () => {
  it("defaults to no schedule, one hour of grace, untagged manifests kept", () => {
    expect(loadConfig({ env: {} }).gc).toEqual({ schedule: "", grace: 3_600_000, deleteuntagged: false });
  });

  it("takes a six-field cron with seconds, a five-field one, a Go duration and deleteuntagged", () => {
    const { path } = writeConfig('gc:\n  schedule: "0 0 0 * * *"\n  grace: 90m\n  deleteuntagged: true\n');
    expect(loadConfig({ path, env: {} }).gc).toEqual({ schedule: "0 0 0 * * *", grace: 90 * 60_000, deleteuntagged: true });
    expect(loadConfig({ path, env: { REGISTRY_GC_SCHEDULE: "'*/5 * * * *'" } }).gc.schedule).toBe("*/5 * * * *");
  });

  it("names the key of a bad schedule, grace or flag", () => {
    expect(problems('gc: {schedule: "every day"}')[0]).toMatch(/^gc\.schedule: expected a cron expression with 5 fields, or 6 with seconds first/);
    expect(problems('gc: {schedule: "0 0 0 0 * * * *"}')[0]).toMatch(/^gc\.schedule: /);
    expect(problems("gc: {grace: soon}")[0]).toMatch(/^gc\.grace: expected a duration/);
    expect(problems("gc: {deleteuntagged: maybe}")[0]).toMatch(/^gc\.deleteuntagged: /);
    expect(problems("gc: {interval: 1h}")[0]).toMatch(/^gc\.interval: /);
  });
});
