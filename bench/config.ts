/**
 * Sizes and durations of a run: full (the published comparison) and --quick (a smoke run
 * of every scenario, scaled down).
 */
import { GiB, MiB } from "./data.js";

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
  /** `n` of each catalog page; the client follows Link headers to the end. */
  catalogPageSize: number;
  catalogListings: number;
  seedConcurrency: number;
  rssUploads: number;
  rssUploadSize: number;
  rssIntervalMs: number;
  /** Manifests of the garbage-collection scenario (5 blobs each, a shared pool of layers: ~50,000 blobs for 10,000). */
  gcManifests: number;
  /** Object-store backends (swift, s3, azure): blob size, measured runs per side, and the RSS uploads. */
  backendBlobSize: number;
  backendRuns: number;
  backendRssUploads: number;
  backendRssUploadSize: number;
}

export function benchConfig(quick: boolean): BenchConfig {
  return quick
    ? {
        mode: "quick",
        blobSize: 64 * MiB,
        warmupSize: 8 * MiB,
        chunkSize: 8 * MiB,
        runs: 3,
        manifestConnections: 32,
        manifestSeconds: 5,
        manifestWarmupSeconds: 1,
        catalogRepos: 1000,
        catalogPageSize: 200,
        catalogListings: 10,
        seedConcurrency: 16,
        rssUploads: 4,
        rssUploadSize: 256 * MiB,
        rssIntervalMs: 50,
        gcManifests: 1000,
        backendBlobSize: 64 * MiB,
        backendRuns: 2,
        backendRssUploads: 4,
        backendRssUploadSize: 128 * MiB,
      }
    : {
        mode: "full",
        blobSize: 512 * MiB,
        warmupSize: 64 * MiB,
        chunkSize: 8 * MiB,
        runs: 7,
        manifestConnections: 32,
        manifestSeconds: 10,
        manifestWarmupSeconds: 2,
        catalogRepos: 5000,
        catalogPageSize: 1000,
        catalogListings: 20,
        seedConcurrency: 16,
        rssUploads: 4,
        rssUploadSize: GiB,
        rssIntervalMs: 50,
        gcManifests: 10_000,
        backendBlobSize: 512 * MiB,
        backendRuns: 3,
        backendRssUploads: 4,
        backendRssUploadSize: GiB,
      };
}
