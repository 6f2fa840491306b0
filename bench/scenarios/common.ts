/**
 * What every scenario shares: its context and result types, starting both registries,
 * alternating the order of measured runs, and the timed-throughput loop.
 */
import { spawnSync } from "node:child_process";
import type { BenchConfig } from "../config.js";
import { MiB, type PatternBlob } from "../data.js";
import { treeCpuSeconds } from "../cpu.js";
import { evaluate, median, type MetricSpec, type Row } from "../evaluate.js";
import { HttpClient } from "../http.js";
import { startSide, type BenchRegistry, type Side } from "../servers.js";

/** Something several scenarios use (an object store), started once and stopped at the end of the run. */
export interface SharedResource {
  stop(): Promise<void>;
}

export interface ScenarioContext {
  config: BenchConfig;
  /** Both sides run registry:2 (proves the machinery; ratios should be ≈ 1). */
  selfCheck: boolean;
  progress(message: string): void;
  /** The resource named `key`, started by `start` on first use and stopped when the run ends. */
  shared<T extends SharedResource>(key: string, start: () => Promise<T>): Promise<T>;
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

/** Which registries a scenario runs, and how each is configured. */
export interface SidesSetup {
  /** Both by default; Berth alone where the reference lacks the feature (its azure driver). */
  sides?: readonly Side[];
  /** REGISTRY_* variables for a new server of `side` (e.g. its storage on an object store). */
  env?: (side: Side) => Promise<Record<string, string>> | Record<string, string>;
}

export type PerSide<T> = Partial<Record<Side, T>>;

/** `value[side]`, which the scenario's own setup guarantees is there. */
export function sideOf<T>(value: PerSide<T>, side: Side): T {
  const found = value[side];
  if (found === undefined) throw new Error(`no ${side} in this scenario`);
  return found;
}

/** Starts the registries of `setup` (fresh storage each), hands over a client per side, stops them after. */
export async function withSides<T>(
  context: ScenarioContext,
  setup: SidesSetup,
  body: (registries: PerSide<BenchRegistry>, clients: PerSide<HttpClient>, sides: readonly Side[]) => Promise<T>,
): Promise<T> {
  const sides = setup.sides ?? SIDES;
  const registries: PerSide<BenchRegistry> = {};
  const clients: PerSide<HttpClient> = {};
  try {
    for (const side of sides) {
      const env = await setup.env?.(side);
      const registry = await startSide(side, context.selfCheck, env ? { env } : {});
      registries[side] = registry;
      clients[side] = new HttpClient(registry.url);
    }
    context.progress(
      sides.map((side) => `${side === "berth" ? "berth" : "registry:2"}=${registries[side]?.url} (${registries[side]?.implementation}, pid ${registries[side]?.pid})`).join(", "),
    );
    return await body(registries, clients, sides);
  } finally {
    for (const client of Object.values(clients)) client.close();
    await Promise.all(Object.values(registries).map((registry) => registry.stop()));
  }
}

/** Both registries, each with a fresh filesystem root. */
export async function withBoth<T>(
  context: ScenarioContext,
  body: (registries: Record<Side, BenchRegistry>, clients: Record<Side, HttpClient>) => Promise<T>,
): Promise<T> {
  return withSides(context, {}, (registries, clients) =>
    body(
      { berth: sideOf(registries, "berth"), reference: sideOf(registries, "reference") },
      { berth: sideOf(clients, "berth"), reference: sideOf(clients, "reference") },
    ),
  );
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

/** The order of a run's sides: alternating as order() does, restricted to the sides present. */
function runOrder(run: number, sides: readonly Side[]): readonly Side[] {
  return order(run).filter((side) => sides.includes(side));
}

/**
 * Warm up, then `runs` timed runs per side in alternating order; reports the median MB/s and,
 * as a second row, the median server CPU seconds per GB moved (what load from other work on the
 * machine hardly changes).
 */
export async function throughputScenario(
  context: ScenarioContext,
  spec: MetricSpec,
  steps: ThroughputSteps,
  setup: SidesSetup & { runs?: number } = {},
): Promise<ScenarioResult> {
  const runs = setup.runs ?? context.config.runs;
  return withSides(context, setup, async (registries, clients, sides) => {
    const samples: PerSide<{ mbPerSecond: number[]; seconds: number[]; cpuSecondsPerGB: number[] }> = {};
    for (const side of sides) {
      samples[side] = { mbPerSecond: [], seconds: [], cpuSecondsPerGB: [] };
      await steps.setup?.(sideOf(clients, side), side);
      context.progress(`${side}: warm-up`);
      await steps.warmup(sideOf(clients, side));
    }
    for (let run = 0; run < runs; run++) {
      for (const side of runOrder(run, sides)) {
        const pid = sideOf(registries, side).pid;
        flushDisk();
        const cpuBefore = treeCpuSeconds(pid);
        const started = process.hrtime.bigint();
        const bytes = await steps.operation(sideOf(clients, side), run);
        const elapsed = seconds(started);
        const cpu = treeCpuSeconds(pid) - cpuBefore;
        const rate = mb(bytes) / elapsed;
        const figures = sideOf(samples, side);
        figures.mbPerSecond.push(rate);
        figures.seconds.push(elapsed);
        figures.cpuSecondsPerGB.push(cpu / (bytes / 1e9));
        context.progress(`${side}: run ${run + 1}/${runs}: ${fmtMiB(bytes)} in ${elapsed.toFixed(2)} s = ${rate.toFixed(1)} MB/s, server CPU ${cpu.toFixed(2)} s`);
      }
    }
    const medianOf = (side: Side, pick: (figures: { mbPerSecond: number[]; cpuSecondsPerGB: number[] }) => number[]) => {
      const figures = samples[side];
      return figures ? median(pick(figures)) : null;
    };
    return {
      rows: [
        evaluate(spec, medianOf("berth", (f) => f.mbPerSecond), medianOf("reference", (f) => f.mbPerSecond)),
        evaluate(
          { id: `${spec.id}-cpu`, label: `${spec.label}: server CPU`, unit: "CPU s/GB", better: "lower" },
          medianOf("berth", (f) => f.cpuSecondsPerGB),
          medianOf("reference", (f) => f.cpuSecondsPerGB),
        ),
      ],
      details: { ...samples, statistic: "median" },
    };
  });
}
