/**
 * Cron expressions for gc.schedule, read by croner: five fields, or six with seconds first
 * ("0 0 0 * * *" = daily at midnight), in the server's local time zone. croner because it is
 * maintained, dependency-free, typed, and takes the optional seconds field natively.
 */
import { Cron } from "croner";

const MODE = "5-or-6-parts" as const;

/** null when the expression is valid, else why not. */
export function cronProblem(expression: string): string | null {
  try {
    new Cron(expression, { mode: MODE, paused: true }).stop();
    return null;
  } catch (error) {
    return `expected a cron expression with 5 fields, or 6 with seconds first (e.g. "0 0 0 * * *"): ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** The next time the expression fires after `from`, or null when it never does again. */
export function nextRun(expression: string, from = new Date()): Date | null {
  const job = new Cron(expression, { mode: MODE, paused: true });
  try {
    return job.nextRun(from);
  } finally {
    job.stop();
  }
}

/**
 * The latest time at or before `reference` the expression fires (to the second): the nominal
 * time of the tick being run, the same on hosts whose clocks differ by less than the interval.
 */
export function previousRun(expression: string, reference = new Date()): Date | null {
  const job = new Cron(expression, { mode: MODE, paused: true });
  try {
    return job.previousRuns(1, reference)[0] ?? null;
  } finally {
    job.stop();
  }
}

/** Calls `fire` on every tick; a tick while the previous call still runs is skipped. */
export function schedule(expression: string, fire: () => Promise<void>): { stop(): void } {
  const job = new Cron(expression, { mode: MODE, protect: true, unref: true, catch: true }, fire);
  return { stop: () => job.stop() };
}
