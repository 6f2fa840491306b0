/**
 * Server memory: peak resident set while several large blobs are uploaded at once, each
 * the way `docker push` sends it (one streamed PATCH). A registry that streams with
 * backpressure stays flat however big the blobs are; one that buffers grows with them.
 */
import { PatternBlob } from "../data.js";
import { evaluate, type Row } from "../evaluate.js";
import { HttpClient } from "../http.js";
import { pushBlobStreamed } from "../registry-client.js";
import { RssSampler, readMemory, type RssSummary } from "../rss.js";
import { startSide, type Side } from "../servers.js";
import { SIDES, flushDisk, fmtMiB, hashAll, mb, seconds, type PerSide, type Scenario, type ScenarioContext, type SidesSetup } from "./common.js";

export interface MemoryFigures extends RssSummary {
  /** VmRSS once started and answering, before the uploads. */
  idleMB: number;
  peakMB: number;
  uploadSeconds: number;
  uploadMBPerSecond: number;
}

export interface UploadLoad {
  uploads: number;
  size: number;
  /** Seeds blobs apart from other scenarios' (the same for both sides). */
  seedBase: number;
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `load.uploads` concurrent streamed uploads against a fresh process per side, started right
 * before its run so that VmHWM covers only these uploads, and samples its memory meanwhile.
 */
export async function measureUploadMemory(context: ScenarioContext, load: UploadLoad, setup: SidesSetup = {}): Promise<PerSide<MemoryFigures>> {
  const blobs = Array.from({ length: load.uploads }, (_, i) => new PatternBlob(load.seedBase + i, load.size));
  hashAll(context, blobs);
  const figures: PerSide<MemoryFigures> = {};
  for (const side of setup.sides ?? SIDES) {
    const env = await setup.env?.(side);
    const registry = await startSide(side, context.selfCheck, env ? { env } : {});
    const client = new HttpClient(registry.url);
    try {
      flushDisk();
      await settle(500);
      const idle = readMemory(registry.pid).rss;
      context.progress(`${side}: idle RSS ${mb(idle).toFixed(1)} MB; ${load.uploads} concurrent streamed uploads of ${fmtMiB(load.size)} (pid ${registry.pid})`);
      const sampler = new RssSampler(registry.pid, context.config.rssIntervalMs);
      const started = process.hrtime.bigint();
      let summary: RssSummary;
      try {
        await Promise.all(blobs.map((blob) => pushBlobStreamed(client, "bench/rss", blob)));
      } finally {
        summary = sampler.stop();
      }
      const elapsed = seconds(started);
      const peak = Math.max(summary.peakSampled, summary.hwm + summary.childrenHwm);
      figures[side] = {
        ...summary,
        idleMB: mb(idle),
        peakMB: mb(peak),
        uploadSeconds: elapsed,
        uploadMBPerSecond: mb(load.uploads * load.size) / elapsed,
      };
      context.progress(
        `${side}: peak RSS ${mb(peak).toFixed(1)} MB (sampled ${mb(summary.peakSampled).toFixed(1)} MB over ${summary.samples} samples ` +
          `every ${summary.meanIntervalMs.toFixed(0)} ms, VmHWM ${mb(summary.hwm).toFixed(1)} MB); uploads took ${elapsed.toFixed(1)} s`,
      );
    } finally {
      client.close();
      await registry.stop();
    }
  }
  return figures;
}

/**
 * The rows of a memory measurement: peak RSS, idle RSS (unless `withIdle` is false) and the
 * aggregate upload rate; `scope` prefixes ids and labels (e.g. a storage backend's).
 */
export function memoryRows(figures: PerSide<MemoryFigures>, load: UploadLoad, scope?: { id: string; label: string }, withIdle = true): Row[] {
  const uploads = `${load.uploads}×${fmtMiB(load.size)} streamed uploads`;
  const id = scope ? `${scope.id}-` : "";
  const label = scope ? `${scope.label}: ` : "";
  const pick = (side: Side, value: (f: MemoryFigures) => number) => {
    const found = figures[side];
    return found ? value(found) : null;
  };
  const rows = [evaluate({ id: `${id}rss-peak`, label: `${label}peak RSS, ${uploads}`, unit: "MB", better: "lower" }, pick("berth", (f) => f.peakMB), pick("reference", (f) => f.peakMB))];
  if (withIdle) {
    rows.push(
      evaluate({ id: `${id}rss-idle`, label: `${label}idle RSS before the uploads`, unit: "MB", better: "lower" }, pick("berth", (f) => f.idleMB), pick("reference", (f) => f.idleMB)),
    );
  }
  rows.push(
    evaluate(
      { id: `${id}rss-upload-rate`, label: `${label}${uploads}, aggregate`, unit: "MB/s", better: "higher" },
      pick("berth", (f) => f.uploadMBPerSecond),
      pick("reference", (f) => f.uploadMBPerSecond),
    ),
  );
  return rows;
}

export const memory: Scenario = {
  name: "rss",
  description: "server peak RSS during concurrent streamed uploads (VmRSS sampled, VmHWM at the end)",
  async run(context) {
    const load = { uploads: context.config.rssUploads, size: context.config.rssUploadSize, seedBase: 4000 };
    const figures = await measureUploadMemory(context, load);
    return { rows: memoryRows(figures, load), details: figures };
  },
};
