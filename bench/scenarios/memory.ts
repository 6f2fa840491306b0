/**
 * Server memory: peak resident set while several large blobs are uploaded at once, each
 * the way `docker push` sends it (one streamed PATCH). A registry that streams with
 * backpressure stays flat however big the blobs are; one that buffers grows with them.
 */
import { PatternBlob } from "../data.js";
import { evaluate } from "../evaluate.js";
import { HttpClient } from "../http.js";
import { pushBlobStreamed } from "../registry-client.js";
import { RssSampler, readMemory, type RssSummary } from "../rss.js";
import { startSide, type Side } from "../servers.js";
import { SIDES, flushDisk, fmtMiB, hashAll, mb, seconds, type Scenario } from "./common.js";

export interface MemoryFigures extends RssSummary {
  /** VmRSS once started and answering, before the uploads. */
  idleMB: number;
  peakMB: number;
  uploadSeconds: number;
  uploadMBPerSecond: number;
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const memory: Scenario = {
  name: "rss",
  description: "server peak RSS during concurrent streamed uploads (VmRSS sampled, VmHWM at the end)",
  async run(context) {
    const { rssUploads, rssUploadSize, rssIntervalMs } = context.config;
    const blobs = Array.from({ length: rssUploads }, (_, i) => new PatternBlob(4000 + i, rssUploadSize));
    hashAll(context, blobs);
    const figures: Partial<Record<Side, MemoryFigures>> = {};
    // A fresh process per side, started right before its run, so VmHWM covers only this scenario.
    for (const side of SIDES) {
      const registry = await startSide(side, context.selfCheck);
      const client = new HttpClient(registry.url);
      try {
        flushDisk();
        await settle(500);
        const idle = readMemory(registry.pid).rss;
        context.progress(`${side}: idle RSS ${mb(idle).toFixed(1)} MB; ${rssUploads} concurrent streamed uploads of ${fmtMiB(rssUploadSize)} (pid ${registry.pid})`);
        const sampler = new RssSampler(registry.pid, rssIntervalMs);
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
          uploadMBPerSecond: mb(rssUploads * rssUploadSize) / elapsed,
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
    const berth = figures.berth as MemoryFigures;
    const reference = figures.reference as MemoryFigures;
    const uploads = `${rssUploads}×${fmtMiB(rssUploadSize)} streamed uploads`;
    return {
      rows: [
        evaluate({ id: "rss-peak", label: `peak RSS, ${uploads}`, unit: "MB", better: "lower" }, berth.peakMB, reference.peakMB),
        evaluate({ id: "rss-idle", label: "idle RSS before the uploads", unit: "MB", better: "lower" }, berth.idleMB, reference.idleMB),
        evaluate({ id: "rss-upload-rate", label: `${uploads}, aggregate`, unit: "MB/s", better: "higher" }, berth.uploadMBPerSecond, reference.uploadMBPerSecond),
      ],
      details: { berth, reference },
    };
  },
};
