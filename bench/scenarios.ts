/**
 * The six benchmark scenarios. Each one runs the same client code, on the same data,
 * against Berth and registry:2 — one registry at a time, alternating which goes first —
 * and returns table rows plus the raw samples for the JSON report.
 */
import { spawnSync } from "node:child_process";
import autocannon from "autocannon";
import { GiB, MiB, PatternBlob } from "./data.js";
import { evaluate, mean, median, type MetricSpec, type Row } from "./evaluate.js";
import { HttpClient } from "./http.js";
import {
  MANIFEST_ACCEPT,
  getManifest,
  listCatalog,
  pullBlob,
  pushBlobChunked,
  pushBlobMonolithic,
  pushSmallImage,
} from "./registry-client.js";
import { RssSampler, type RssSummary } from "./rss.js";
import { startSide, type BenchRegistry, type Side } from "./servers.js";

export interface BenchConfig {
  mode: "full" | "quick";
  /** Blob size for push and pull. */
  blobSize: number;
  /** Blob size for the untimed warm-up pushes and pulls. */
  warmupSize: number;
  /** PATCH size of the chunked push. */
  chunkSize: number;
  /** Measured repetitions per registry of each blob scenario (the median is reported). */
  runs: number;
  manifestConnections: number;
  manifestSeconds: number;
  manifestWarmupSeconds: number;
  catalogRepos: number;
  catalogPageSize: number;
  catalogListings: number;
  seedConcurrency: number;
  rssUploads: number;
  rssUploadSize: number;
  rssChunkSize: number;
  rssIntervalMs: number;
}

export function benchConfig(quick: boolean): BenchConfig {
  return quick
    ? {
        mode: "quick",
        blobSize: 32 * MiB,
        warmupSize: 8 * MiB,
        chunkSize: 8 * MiB,
        runs: 3,
        manifestConnections: 32,
        manifestSeconds: 3,
        manifestWarmupSeconds: 1,
        catalogRepos: 500,
        catalogPageSize: 1000,
        catalogListings: 10,
        seedConcurrency: 16,
        rssUploads: 4,
        rssUploadSize: 64 * MiB,
        rssChunkSize: 16 * MiB,
        rssIntervalMs: 50,
      }
    : {
        mode: "full",
        blobSize: 512 * MiB,
        warmupSize: 64 * MiB,
        chunkSize: 8 * MiB,
        runs: 3,
        manifestConnections: 32,
        manifestSeconds: 10,
        manifestWarmupSeconds: 2,
        catalogRepos: 5000,
        catalogPageSize: 1000,
        catalogListings: 20,
        seedConcurrency: 16,
        rssUploads: 4,
        rssUploadSize: GiB,
        rssChunkSize: 128 * MiB,
        rssIntervalMs: 50,
      };
}

export interface ScenarioContext {
  config: BenchConfig;
  /** Both sides run registry:2 (proves the machinery; ratios should be ≈ 1). */
  selfCheck: boolean;
  progress(message: string): void;
}

export interface ScenarioResult {
  rows: Row[];
  /** Raw figures per side, for the JSON file. */
  details: Record<string, unknown>;
}

export interface Scenario {
  name: string;
  description: string;
  run(context: ScenarioContext): Promise<ScenarioResult>;
}

const SIDES: readonly Side[] = ["berth", "reference"];

/** Alternate which registry goes first, run by run: B R, R B, B R, … */
function order(run: number): readonly Side[] {
  return run % 2 === 0 ? SIDES : [...SIDES].reverse();
}

/** Writes dirty pages out so one registry's writes are not flushed during the other's run. */
function flushDisk(): void {
  spawnSync("sync");
}

const mb = (bytes: number) => bytes / 1e6;
const fmtMiB = (bytes: number) => `${(bytes / MiB).toFixed(0)} MiB`;

async function withBoth<T>(context: ScenarioContext, body: (registries: Record<Side, BenchRegistry>, clients: Record<Side, HttpClient>) => Promise<T>): Promise<T> {
  const berth = await startSide("berth", context.selfCheck);
  let reference: BenchRegistry | undefined;
  const clients: Partial<Record<Side, HttpClient>> = {};
  try {
    reference = await startSide("reference", context.selfCheck);
    clients.berth = new HttpClient(berth.url);
    clients.reference = new HttpClient(reference.url);
    context.progress(`berth=${berth.url} (${berth.implementation}, pid ${berth.pid}), registry:2=${reference.url} (pid ${reference.pid})`);
    return await body({ berth, reference }, { berth: clients.berth, reference: clients.reference });
  } finally {
    clients.berth?.close();
    clients.reference?.close();
    await Promise.all([berth.stop(), reference?.stop()]);
  }
}

function hashAll(context: ScenarioContext, blobs: readonly PatternBlob[]): void {
  const started = Date.now();
  for (const blob of blobs) blob.digest();
  const total = blobs.reduce((sum, blob) => sum + blob.size, 0);
  context.progress(`precomputed digests of ${blobs.length} blob(s), ${fmtMiB(total)}, in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

interface ThroughputSamples {
  /** MB/s of each measured run. */
  mbPerSecond: number[];
  seconds: number[];
}

/** The shape shared by the push and pull scenarios: warm up, then `runs` alternating timed runs. */
async function throughputScenario(
  context: ScenarioContext,
  spec: MetricSpec,
  setup: (client: HttpClient, side: Side) => Promise<void>,
  operation: (client: HttpClient, run: number) => Promise<number>,
  warmup: (client: HttpClient) => Promise<void>,
): Promise<ScenarioResult> {
  return withBoth(context, async (_registries, clients) => {
    const samples: Record<Side, ThroughputSamples> = {
      berth: { mbPerSecond: [], seconds: [] },
      reference: { mbPerSecond: [], seconds: [] },
    };
    for (const side of SIDES) {
      await setup(clients[side], side);
      context.progress(`${side}: warm-up`);
      await warmup(clients[side]);
    }
    for (let run = 0; run < context.config.runs; run++) {
      for (const side of order(run)) {
        flushDisk();
        const started = process.hrtime.bigint();
        const bytes = await operation(clients[side], run);
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const rate = mb(bytes) / seconds;
        samples[side].mbPerSecond.push(rate);
        samples[side].seconds.push(seconds);
        context.progress(`${side}: run ${run + 1}/${context.config.runs}: ${fmtMiB(bytes)} in ${seconds.toFixed(2)} s = ${rate.toFixed(1)} MB/s`);
      }
    }
    const row = evaluate(spec, median(samples.berth.mbPerSecond), median(samples.reference.mbPerSecond));
    return { rows: [row], details: { ...samples, statistic: "median" } };
  });
}

const pushMonolithic: Scenario = {
  name: "push-monolithic",
  description: "blob push: POST, then one PUT ?digest= with the whole body streamed",
  async run(context) {
    const { blobSize, warmupSize, runs } = context.config;
    const blobs = Array.from({ length: runs }, (_, run) => new PatternBlob(1000 + run, blobSize));
    const warm = new PatternBlob(1900, warmupSize);
    hashAll(context, [...blobs, warm]);
    const repo = "bench/push-monolithic";
    return throughputScenario(
      context,
      { id: "push-monolithic", label: `push ${fmtMiB(blobSize)} monolithic`, unit: "MB/s", better: "higher", target: { kind: "ratio", min: 1 } },
      async () => {},
      async (client, run) => {
        const blob = blobs[run] as PatternBlob;
        await pushBlobMonolithic(client, repo, blob);
        return blob.size;
      },
      (client) => pushBlobMonolithic(client, repo, warm),
    );
  },
};

const pushChunked: Scenario = {
  name: "push-chunked",
  description: "blob push: POST, PATCHes with Content-Range, then PUT ?digest=",
  async run(context) {
    const { blobSize, warmupSize, runs, chunkSize } = context.config;
    const blobs = Array.from({ length: runs }, (_, run) => new PatternBlob(2000 + run, blobSize));
    const warm = new PatternBlob(2900, warmupSize);
    hashAll(context, [...blobs, warm]);
    const repo = "bench/push-chunked";
    return throughputScenario(
      context,
      {
        id: "push-chunked",
        label: `push ${fmtMiB(blobSize)} chunked ${fmtMiB(chunkSize)}`,
        unit: "MB/s",
        better: "higher",
        target: { kind: "ratio", min: 1 },
      },
      async () => {},
      async (client, run) => {
        const blob = blobs[run] as PatternBlob;
        await pushBlobChunked(client, repo, blob, chunkSize);
        return blob.size;
      },
      (client) => pushBlobChunked(client, repo, warm, chunkSize),
    );
  },
};

const pull: Scenario = {
  name: "pull",
  description: "blob pull: GET, streamed and hashed, digest verified",
  async run(context) {
    const { blobSize } = context.config;
    const blob = new PatternBlob(3000, blobSize);
    hashAll(context, [blob]);
    const repo = "bench/pull";
    return throughputScenario(
      context,
      { id: "pull", label: `pull ${fmtMiB(blobSize)}`, unit: "MB/s", better: "higher", target: { kind: "ratio", min: 1 } },
      async (client, side) => {
        context.progress(`${side}: pushing the ${fmtMiB(blobSize)} blob to pull`);
        await pushBlobMonolithic(client, repo, blob);
      },
      (client) => pullBlob(client, repo, blob.digest(), blob.size),
      async (client) => {
        await pullBlob(client, repo, blob.digest(), blob.size);
      },
    );
  },
};

interface LoadFigures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
}

async function load(url: string, connections: number, seconds: number): Promise<LoadFigures> {
  const result = await autocannon({ url, connections, duration: seconds, headers: { accept: MANIFEST_ACCEPT } });
  return {
    requestsPerSecond: result["2xx"] / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    ok: result["2xx"],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: result.duration,
  };
}

const manifestGet: Scenario = {
  name: "manifest-get",
  description: "manifest GET by tag with a pulling client's Accept header, under concurrent connections (autocannon)",
  async run(context) {
    const { manifestConnections, manifestSeconds, manifestWarmupSeconds } = context.config;
    return withBoth(context, async (registries, clients) => {
      const figures: Partial<Record<Side, LoadFigures>> = {};
      const urls: Partial<Record<Side, string>> = {};
      for (const side of SIDES) {
        const image = await pushSmallImage(clients[side], "bench/manifest", "latest", "manifest-get");
        await getManifest(clients[side], image);
        urls[side] = `${registries[side].url}/v2/${image.repo}/manifests/${image.tag}`;
      }
      for (const side of SIDES) {
        const url = urls[side] as string;
        context.progress(`${side}: warm-up ${manifestWarmupSeconds} s`);
        await load(url, manifestConnections, manifestWarmupSeconds);
        context.progress(`${side}: ${manifestConnections} connections for ${manifestSeconds} s`);
        const measured = await load(url, manifestConnections, manifestSeconds);
        figures[side] = measured;
        context.progress(
          `${side}: ${measured.requestsPerSecond.toFixed(0)} req/s, p50 ${measured.p50Ms} ms, p99 ${measured.p99Ms} ms, ` +
            `${measured.non2xx} non-2xx, ${measured.errors} errors`,
        );
        if (measured.non2xx > 0 || measured.errors > 0) context.progress(`WARNING ${side}: failed requests under load (counted out of req/s)`);
      }
      const berth = figures.berth as LoadFigures;
      const reference = figures.reference as LoadFigures;
      const label = `manifest GET, ${manifestConnections} conns`;
      return {
        rows: [
          evaluate({ id: "manifest-rps", label, unit: "req/s", better: "higher", target: { kind: "ratio", min: 1.5 } }, berth.requestsPerSecond, reference.requestsPerSecond),
          evaluate({ id: "manifest-p99", label: `${label}, p99`, unit: "ms", better: "lower", target: { kind: "none" } }, berth.p99Ms, reference.p99Ms),
        ],
        details: { berth, reference },
      };
    });
  },
};

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight. */
export async function boundedPool(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

export function catalogRepoName(index: number): string {
  return `catalog/repo-${String(index).padStart(5, "0")}`;
}

const catalog: Scenario = {
  name: "catalog",
  description: "full catalog listing (n=1000 pages, following Link) over many repositories",
  async run(context) {
    const { catalogRepos, catalogPageSize, catalogListings, seedConcurrency } = context.config;
    const expected = Array.from({ length: catalogRepos }, (_, i) => catalogRepoName(i));
    return withBoth(context, async (_registries, clients) => {
      const seedSeconds: Partial<Record<Side, number>> = {};
      for (const side of SIDES) {
        const client = clients[side];
        const started = Date.now();
        let done = 0;
        await boundedPool(catalogRepos, seedConcurrency, async (index) => {
          await pushSmallImage(client, catalogRepoName(index), "v1", `catalog-${index}`);
          done++;
          if (done % 500 === 0 || done === catalogRepos) {
            context.progress(`${side}: seeded ${done}/${catalogRepos} repositories (${((Date.now() - started) / 1000).toFixed(1)} s)`);
          }
        });
        seedSeconds[side] = (Date.now() - started) / 1000;
        const listing = await listCatalog(client, catalogPageSize);
        const names = listing.repositories.filter((name) => name.startsWith("catalog/"));
        if (names.length !== expected.length || names.some((name, i) => name !== expected[i])) {
          throw new Error(`${side}: catalog lists ${names.length} repositories, expected the ${expected.length} seeded, in order`);
        }
        context.progress(`${side}: catalog verified: ${listing.repositories.length} repositories in ${listing.pages} page(s)`);
        await listCatalog(client, catalogPageSize); // warm-up
      }
      const ms: Record<Side, number[]> = { berth: [], reference: [] };
      for (let run = 0; run < catalogListings; run++) {
        for (const side of order(run)) {
          const started = process.hrtime.bigint();
          await listCatalog(clients[side], catalogPageSize);
          ms[side].push(Number(process.hrtime.bigint() - started) / 1e6);
        }
      }
      for (const side of SIDES) {
        context.progress(`${side}: ${catalogListings} full listings, median ${median(ms[side]).toFixed(1)} ms, mean ${mean(ms[side]).toFixed(1)} ms`);
      }
      const imagesPerSecond = (side: Side) => catalogRepos / (seedSeconds[side] as number);
      return {
        rows: [
          evaluate(
            { id: "catalog-ms", label: `catalog of ${catalogRepos} repos, full listing`, unit: "ms", better: "lower", target: { kind: "ratio", min: 10 } },
            median(ms.berth),
            median(ms.reference),
          ),
          evaluate(
            { id: "seed-images", label: `small image push (seeding, ${seedConcurrency} in flight)`, unit: "images/s", better: "higher", target: { kind: "none" } },
            imagesPerSecond("berth"),
            imagesPerSecond("reference"),
          ),
        ],
        details: { listingMs: ms, seedSeconds, statistic: "median" },
      };
    });
  },
};

interface RssFigures extends RssSummary {
  peakMB: number;
  uploadSeconds: number;
  uploadMBPerSecond: number;
}

const rss: Scenario = {
  name: "rss",
  description: "server peak RSS during concurrent chunked uploads (VmRSS sampled, VmHWM at the end)",
  async run(context) {
    const { rssUploads, rssUploadSize, rssChunkSize, rssIntervalMs } = context.config;
    const blobs = Array.from({ length: rssUploads }, (_, i) => new PatternBlob(4000 + i, rssUploadSize));
    hashAll(context, blobs);
    const figures: Partial<Record<Side, RssFigures>> = {};
    // A fresh process per side, started right before its run, so VmHWM covers only this scenario.
    for (const side of SIDES) {
      const registry = await startSide(side, context.selfCheck);
      const client = new HttpClient(registry.url);
      try {
        flushDisk();
        context.progress(`${side}: ${rssUploads} concurrent uploads of ${fmtMiB(rssUploadSize)} in ${fmtMiB(rssChunkSize)} PATCHes (pid ${registry.pid})`);
        const sampler = new RssSampler(registry.pid, rssIntervalMs);
        const started = process.hrtime.bigint();
        let summary: RssSummary;
        try {
          await Promise.all(blobs.map((blob) => pushBlobChunked(client, "bench/rss", blob, rssChunkSize)));
        } finally {
          summary = sampler.stop();
        }
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const peak = Math.max(summary.peakSampled, summary.hwm + summary.childrenHwm);
        figures[side] = {
          ...summary,
          peakMB: mb(peak),
          uploadSeconds: seconds,
          uploadMBPerSecond: mb(rssUploads * rssUploadSize) / seconds,
        };
        context.progress(
          `${side}: peak RSS ${mb(peak).toFixed(1)} MB (sampled ${mb(summary.peakSampled).toFixed(1)} MB over ${summary.samples} samples ` +
            `every ${summary.meanIntervalMs.toFixed(0)} ms, VmHWM ${mb(summary.hwm).toFixed(1)} MB); uploads took ${seconds.toFixed(1)} s`,
        );
      } finally {
        client.close();
        await registry.stop();
      }
    }
    const berth = figures.berth as RssFigures;
    const reference = figures.reference as RssFigures;
    return {
      rows: [
        evaluate(
          { id: "rss-peak", label: `peak RSS, ${rssUploads}×${fmtMiB(rssUploadSize)} uploads`, unit: "MB", better: "lower", target: { kind: "berth-below", max: 200 } },
          berth.peakMB,
          reference.peakMB,
        ),
        evaluate(
          { id: "rss-upload-rate", label: `${rssUploads} concurrent chunked uploads`, unit: "MB/s", better: "higher", target: { kind: "none" } },
          berth.uploadMBPerSecond,
          reference.uploadMBPerSecond,
        ),
      ],
      details: { berth, reference },
    };
  },
};

export const SCENARIOS: readonly Scenario[] = [pushMonolithic, pushChunked, pull, manifestGet, catalog, rss];
