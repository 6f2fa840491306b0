/** Blob scenarios: monolithic push, chunked push, pull — each timed as MB/s of blob bytes. */
import { PatternBlob } from "../data.js";
import { pullBlob, pushBlobChunked, pushBlobMonolithic } from "../registry-client.js";
import { fmtMiB, hashAll, throughputScenario, type Scenario } from "./common.js";

/** A fresh blob per measured run, so no run finds its blob already stored. */
function runBlobs(seedBase: number, count: number, size: number): PatternBlob[] {
  return Array.from({ length: count }, (_, run) => new PatternBlob(seedBase + run, size));
}

export const pushMonolithic: Scenario = {
  name: "push-monolithic",
  description: "blob push: POST, then one PUT ?digest= with the whole body streamed",
  async run(context) {
    const { blobSize, warmupSize, runs } = context.config;
    const blobs = runBlobs(1000, runs, blobSize);
    const warm = new PatternBlob(1900, warmupSize);
    hashAll(context, [...blobs, warm]);
    const repo = "bench/push-monolithic";
    return throughputScenario(
      context,
      { id: "push-monolithic", label: `push ${fmtMiB(blobSize)} monolithic`, unit: "MB/s", better: "higher" },
      {
        warmup: (client) => pushBlobMonolithic(client, repo, warm),
        operation: async (client, run) => {
          const blob = blobs[run] as PatternBlob;
          await pushBlobMonolithic(client, repo, blob);
          return blob.size;
        },
      },
    );
  },
};

export const pushChunked: Scenario = {
  name: "push-chunked",
  description: "blob push: POST, PATCHes with Content-Range, then PUT ?digest=",
  async run(context) {
    const { blobSize, warmupSize, runs, chunkSize } = context.config;
    const blobs = runBlobs(2000, runs, blobSize);
    const warm = new PatternBlob(2900, warmupSize);
    hashAll(context, [...blobs, warm]);
    const repo = "bench/push-chunked";
    return throughputScenario(
      context,
      { id: "push-chunked", label: `push ${fmtMiB(blobSize)} in ${fmtMiB(chunkSize)} PATCHes`, unit: "MB/s", better: "higher" },
      {
        warmup: (client) => pushBlobChunked(client, repo, warm, chunkSize),
        operation: async (client, run) => {
          const blob = blobs[run] as PatternBlob;
          await pushBlobChunked(client, repo, blob, chunkSize);
          return blob.size;
        },
      },
    );
  },
};

export const pull: Scenario = {
  name: "pull",
  description: "blob pull: GET, streamed and hashed, digest verified",
  async run(context) {
    const { blobSize } = context.config;
    const blob = new PatternBlob(3000, blobSize);
    hashAll(context, [blob]);
    const repo = "bench/pull";
    return throughputScenario(
      context,
      { id: "pull", label: `pull ${fmtMiB(blobSize)}`, unit: "MB/s", better: "higher" },
      {
        setup: async (client, side) => {
          context.progress(`${side}: pushing the ${fmtMiB(blobSize)} blob to pull`);
          await pushBlobMonolithic(client, repo, blob);
        },
        warmup: async (client) => {
          await pullBlob(client, repo, blob.digest(), blob.size);
        },
        operation: (client) => pullBlob(client, repo, blob.digest(), blob.size),
      },
    );
  },
};
