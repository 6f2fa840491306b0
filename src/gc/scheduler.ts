/**
 * The gc.schedule cron in `berth serve`. The schedule in force is the one set through the
 * management API (kept in metadata, so it survives restarts and reaches every process sharing
 * the database) or else the config file's. Every process re-reads it each minute. Each tick
 * fires once across every process sharing the database: the first to record the tick's
 * nominal time (a settings compare-and-set) starts the collection, the others skip it; and the
 * collector's lease keeps a tick from overlapping a run started otherwise (API, CLI).
 */
import type { Logger } from "pino";
import type { Config } from "../config/types.js";
import type { MetadataStore } from "../metadata/store.js";
import { RegistryError } from "../registry/errors.js";
import { GcBusyError, summaryLine, type GarbageCollector, type GcSummary } from "./collector.js";
import { cronProblem, nextRun, previousRun, schedule } from "./cron.js";

export const SCHEDULE_SETTING = "gc.schedule";
/** The nominal time (ISO 8601) of the last scheduled tick some process took. */
export const LAST_TICK_SETTING = "gc.schedule.lasttick";
const RESYNC_MS = 60_000;

export interface ScheduleState {
  /** The cron expression in force; "" when nothing is scheduled. */
  schedule: string;
  /** Where it comes from. */
  source: "config" | "api";
  /** The config file's schedule, in force when the API's is removed. */
  configured: string;
  /** Next firing, ISO 8601; null when none. */
  nextRun: string | null;
}

export class GcScheduler {
  private job: { stop(): void } | null = null;
  private expression = "";
  private started = false;
  private resync: NodeJS.Timeout | null = null;

  constructor(
    readonly collector: GarbageCollector,
    private readonly metadata: MetadataStore,
    private readonly config: Config,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await this.sync();
    this.resync = setInterval(() => void this.sync().catch((error: unknown) => this.logger.error({ err: error }, "gc schedule: reading the setting failed")), RESYNC_MS);
    this.resync.unref();
  }

  stop(): void {
    if (this.resync) clearInterval(this.resync);
    this.resync = null;
    this.job?.stop();
    this.job = null;
  }

  async state(): Promise<ScheduleState> {
    const stored = await this.metadata.settings.get(SCHEDULE_SETTING);
    const expression = stored ?? this.config.gc.schedule;
    let next: Date | null = null;
    try {
      next = expression === "" ? null : nextRun(expression);
    } catch {
      // A stored expression this cron reader no longer takes: shown, never fired (see sync).
    }
    return { schedule: expression, source: stored === null ? "config" : "api", configured: this.config.gc.schedule, nextRun: next?.toISOString() ?? null };
  }

  /** Sets the schedule at runtime ("" pauses scheduled collection); null goes back to the config file's. */
  async set(expression: string | null): Promise<ScheduleState> {
    const value = expression?.trim() ?? null;
    if (value) {
      const problem = cronProblem(value);
      if (problem) throw new RegistryError("UNSUPPORTED", `schedule: ${problem}`, { schedule: value.slice(0, 100) }, 400);
    }
    await this.metadata.settings.set(SCHEDULE_SETTING, value);
    await this.sync();
    return this.state();
  }

  private async sync(): Promise<void> {
    const { schedule: expression } = await this.state();
    if (expression === this.expression && this.started) return;
    this.started = true;
    this.job?.stop();
    this.job = null;
    this.expression = expression;
    if (expression === "") {
      this.logger.info("gc schedule: none");
      return;
    }
    if (this.config.storage.maintenance.readonly.enabled) {
      // A collection deletes: not while the storage is read-only (the CLI still may).
      this.logger.warn({ schedule: expression }, "gc schedule not applied: storage.maintenance.readonly is on");
      return;
    }
    if (cronProblem(expression)) {
      this.logger.error({ schedule: expression }, "gc schedule not applied: not a valid cron expression");
      return;
    }
    this.job = schedule(expression, () => this.tick(expression));
    this.logger.info({ schedule: expression, nextRun: nextRun(expression)?.toISOString() }, "gc schedule set");
  }

  /** One tick of the schedule: fires unless another process sharing the database took it. */
  private async tick(expression: string): Promise<void> {
    const slot = previousRun(expression)?.toISOString();
    try {
      if (slot !== undefined && !(await this.metadata.settings.advance(LAST_TICK_SETTING, slot))) {
        this.logger.info({ tick: slot }, "scheduled garbage collection: another process took this tick");
        return;
      }
    } catch (error) {
      this.logger.error({ err: error }, "scheduled garbage collection could not start");
      return;
    }
    await this.fire();
  }

  private async fire(): Promise<void> {
    try {
      const { run, done } = await this.collector.start({
        trigger: "schedule",
        dryRun: false,
        deleteUntagged: this.config.gc.deleteuntagged,
        graceMs: this.config.gc.grace,
        uploadAgeMs: this.config.storage.maintenance.uploadpurging.age,
        progress: (line) => this.logger.debug(line),
      });
      this.logger.info({ run: run.id }, "scheduled garbage collection started");
      const finished = await done;
      if (finished.state === "succeeded" && finished.summary) {
        this.logger.info({ run: finished.id, summary: finished.summary }, summaryLine(finished.summary as unknown as GcSummary));
      } else {
        this.logger.error({ run: finished.id, error: finished.error }, "scheduled garbage collection failed");
      }
    } catch (error) {
      if (error instanceof GcBusyError) this.logger.info({ running: error.running.id }, "scheduled garbage collection skipped: another run holds the lease");
      else this.logger.error({ err: error }, "scheduled garbage collection could not start");
    }
  }
}
