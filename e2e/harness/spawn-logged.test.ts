import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "./servers.js";
import { spawnLogged } from "./spawn-logged.js";

describe("spawnLogged", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("lets a server close its stdout and then write far more than a pipe holds to stderr, all of it logged", async () => {
    dir = tempDir("spawn-logged");
    const logFile = join(dir, "server.log");
    // Like Swift's proxy: stdout goes away at start-up, warnings keep coming on stderr. 1 MiB is
    // 16 times a pipe's buffer; written synchronously, it only finishes if nobody has to read it.
    const script = `
      const fs = require("node:fs");
      fs.writeSync(1, "started\\n");
      fs.closeSync(1);
      const line = "warning: memcached error-limited\\n";
      for (let written = 0; written < 1024 * 1024; written += line.length) fs.writeSync(2, line);
      fs.writeSync(2, "done\\n");
    `;
    const child = spawnLogged(process.execPath, ["-e", script], logFile);
    const code = await new Promise<number | null>((resolve) => child.once("exit", (exitCode) => resolve(exitCode)));
    expect(code).toBe(0);
    const log = readFileSync(logFile, "utf8");
    expect(log.startsWith("started\n")).toBe(true);
    expect(log.endsWith("done\n")).toBe(true);
    expect(log.length).toBeGreaterThan(1024 * 1024);
  });
});
