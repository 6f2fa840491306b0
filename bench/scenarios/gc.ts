/**
 * Garbage collection on the filesystem: src/gc/bench-gc.js builds one registry:2 layout of
 * `gcManifests` manifests (5 blobs each, one layer from a shared pool; 20% of the manifests
 * unreferenced), copies it, and times `berth garbage-collect` on one copy and registry:2's own
 * `docker-registry garbage-collect` on the other (one run each, Berth first), then checks that
 * both left the same blobs.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { evaluate } from "../evaluate.js";
import { repositoryRoot } from "../servers.js";
import type { Scenario } from "./common.js";

/** What bench-gc prints (the fields this scenario reads). */
export interface GcBenchReport {
  manifests: number;
  blobs: number;
  garbage: number;
  berth: { seconds: number; deleted: number; markMs?: number; sweepMs?: number };
  registry2: { seconds: number; summary: string } | null;
  sameResult: boolean | null;
  blobsLeft: number;
}

/** Checks bench-gc's answer: both collectors ran, removed the same blobs, and exactly the garbage. */
export function checkGcReport(report: GcBenchReport): { berth: number; reference: number } {
  if (!report.registry2) throw new Error("bench-gc did not run docker-registry garbage-collect (is /usr/bin/docker-registry installed? apt-get install docker-registry)");
  if (report.sameResult !== true) throw new Error(`Berth and registry:2 left different blobs (${report.blobsLeft} left by Berth)`);
  if (report.berth.deleted !== report.garbage) throw new Error(`Berth deleted ${report.berth.deleted} blobs, expected the ${report.garbage} unreferenced`);
  return { berth: report.berth.seconds, reference: report.registry2.seconds };
}

export const gc: Scenario = {
  name: "gc",
  description: "garbage collection of a filesystem registry, Berth vs `docker-registry garbage-collect` on copies of the same data",
  async run(context) {
    const manifests = context.config.gcManifests;
    // bench-gc works in os.tmpdir(); a folder of our own lets the (slow, on a discard-mounted disk) removal happen after the run.
    const work = mkdtempSync(join(tmpdir(), "berth-bench-gc-run-"));
    const out = join(work, "report.json");
    const script = join(repositoryRoot(), "dist", "src", "gc", "bench-gc.js");
    context.progress(`building ${manifests} manifests (~${manifests * 5} blobs), then collecting with Berth and with registry:2`);
    try {
      await runBenchGc(script, ["--manifests", String(manifests), "--out", out, "--keep"], work, context.progress);
      const report = JSON.parse(readFileSync(out, "utf8")) as GcBenchReport;
      const seconds = checkGcReport(report);
      context.progress(
        `${report.blobs} blobs, ${report.garbage} garbage: Berth ${seconds.berth.toFixed(1)} s (mark ${((report.berth.markMs ?? 0) / 1000).toFixed(1)} s, ` +
          `sweep ${((report.berth.sweepMs ?? 0) / 1000).toFixed(1)} s), registry:2 ${seconds.reference.toFixed(1)} s; same blobs left: ${report.sameResult}`,
      );
      return {
        rows: [
          evaluate(
            { id: "gc-seconds", label: `garbage collection, ${report.manifests} manifests / ${report.blobs} blobs`, unit: "s", better: "lower" },
            seconds.berth,
            seconds.reference,
          ),
        ],
        details: { ...report, runs: 1, order: "berth, then registry:2" },
      };
    } finally {
      removeInBackground(work, context.progress);
    }
  },
};

function runBenchGc(script: string, args: string[], work: string, progress: (message: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { env: { ...process.env, TMPDIR: work }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      for (const line of chunk.toString().split("\n")) if (line.trim()) progress(line.trim());
    });
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`bench-gc exited with ${code ?? signal}: ${stderr.trim().slice(-2000)}`));
    });
  });
}

/** Deleting ~100,000 files takes minutes on a disk mounted with `discard`: done at idle I/O priority, after the run. */
function removeInBackground(dir: string, progress: (message: string) => void): void {
  progress(`removing ${dir} in the background`);
  const child = spawn("ionice", ["-c3", "rm", "-rf", dir], { detached: true, stdio: "ignore" });
  child.once("error", () => spawn("rm", ["-rf", dir], { detached: true, stdio: "ignore" }).unref());
  child.unref();
}
