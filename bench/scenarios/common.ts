/**
 * What every scenario shares: its context and result types, starting both registries,
 * alternating the order of measured runs, and the timed-throughput loop.
 */
import { spawnSync } from "node:child_process";
import type { BenchConfig } from "../config.js";
import { MiB, type PatternBlob } from "../data.js";
import { evaluate, median, type MetricSpec, type Row } from "../evaluate.js";
import { HttpClient } from "../http.js";
import { startSide, type BenchRegistry, type Side } from "../servers.js";

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

export const SIDES: readonly Side[] = ["berth", "reference"];

/** Alternate which registry goes first, run by run: B R, R B, B R, … */
export function order(run: number): readonly Side[] {
  return run % 2 === 0 ? SIDES : [...SIDES].reverse();
}

/** Writes dirty pages out so one registry's writes are not flushed during the other's run. */
export function flushDisk(): void {
  spawnSync("sync");
}

export const mb = (bytes: number): number => bytes / 1e6;
export const fmtMiB = (bytes: number): string => (bytes >= 1024 * MiB ? `${(bytes / (1024 * MiB)).toFixed(0)} GiB` : `${(bytes / MiB).toFixed(0)} MiB`);

export function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

/** Starts both registries (fresh storage each), hands over a client per side, stops both after. */
export async function withBoth<T>(
  context: ScenarioContext,
  body: (registries: Record<Side, BenchRegistry>, clients: Record<Side, HttpClient>) => Promise<T>,
): Promise<T> {
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

/** Computes (and memoises) the digests before anything is timed. */
export function hashAll(context: ScenarioContext, blobs: readonly PatternBlob[]): void {
  const started = process.hrtime.bigint();
  for (const blob of blobs) blob.digest();
  const total = blobs.reduce((sum, blob) => sum + blob.size, 0);
  context.progress(`precomputed digests of ${blobs.length} blob(s), ${fmtMiB(total)}, in ${seconds(started).toFixed(1)} s`);
}

export interface ThroughputSteps {
  /** Untimed preparation per side (e.g. pushing the blob that will be pulled). */
  setup?: (client: HttpClient, side: Side) => Promise<void>;
  /** Untimed warm-up per side. */
  warmup: (client: HttpClient) => Promise<void>;
  /** The timed operation; returns the bytes moved. */
  operation: (client: HttpClient, run: number) => Promise<number>;
}

/** Warm up, then `runs` timed runs per side in alternating order; reports the median MB/s. */
export async function throughputScenario(context: ScenarioContext, spec: MetricSpec, steps: ThroughputSteps): Promise<ScenarioResult> {
  return withBoth(context, async (_registries, clients) => {
    const samples: Record<Side, { mbPerSecond: number[]; seconds: number[] }> = {
      berth: { mbPerSecond: [], seconds: [] },
      reference: { mbPerSecond: [], seconds: [] },
    };
    for (const side of SIDES) {
      await steps.setup?.(clients[side], side);
      context.progress(`${side}: warm-up`);
      await steps.warmup(clients[side]);
    }
    for (let run = 0; run < context.config.runs; run++) {
      for (const side of order(run)) {
        flushDisk();
        const started = process.hrtime.bigint();
        const bytes = await steps.operation(clients[side], run);
        const elapsed = seconds(started);
        const rate = mb(bytes) / elapsed;
        samples[side].mbPerSecond.push(rate);
        samples[side].seconds.push(elapsed);
        context.progress(`${side}: run ${run + 1}/${context.config.runs}: ${fmtMiB(bytes)} in ${elapsed.toFixed(2)} s = ${rate.toFixed(1)} MB/s`);
      }
    }
    const row = evaluate(spec, median(samples.berth.mbPerSecond), median(samples.reference.mbPerSecond));
    return { rows: [row], details: { ...samples, statistic: "median" } };
  });
}
