/**
 * Health checks run in the background, each on its own interval and with a time limit, so
 * asking for health never waits on storage. A check fails after `threshold` failures in a
 * row (registry:2's threshold updater; 0 means the first) and recovers on its first success.
 * A check still running when its next turn comes counts as a failure and is not started twice.
 */
import type { Logger } from "pino";

export interface HealthCheck {
  /** As /debug/health reports it, e.g. "storagedriver_filesystem". */
  name: string;
  interval: number;
  threshold: number;
  /** Milliseconds one run may take before it counts as failed. */
  timeout: number;
  run(): Promise<void>;
}

interface CheckState {
  check: HealthCheck;
  failuresInARow: number;
  lastError: string | null;
  running: boolean;
  timer: NodeJS.Timeout | null;
}

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class HealthMonitor {
  private readonly states: CheckState[];
  /** Set through /debug/health/down, cleared through /debug/health/up (registry:2's manual check). */
  private manualDown = false;

  constructor(
    checks: readonly HealthCheck[],
    private readonly logger: Logger,
  ) {
    this.states = checks.map((check) => ({ check, failuresInARow: 0, lastError: null, running: false, timer: null }));
  }

  /** Runs every check once now, then on its interval. */
  async start(): Promise<void> {
    await this.runAll();
    for (const state of this.states) {
      state.timer = setInterval(() => void this.runOne(state), state.check.interval);
      state.timer.unref();
    }
  }

  stop(): void {
    for (const state of this.states) if (state.timer) clearInterval(state.timer);
  }

  async runAll(): Promise<void> {
    await Promise.all(this.states.map((state) => this.runOne(state)));
  }

  setManualDown(down: boolean): void {
    this.manualDown = down;
  }

  /** Failing checks: name → error. Empty when healthy. */
  failures(): Record<string, string> {
    const failing: Record<string, string> = {};
    if (this.manualDown) failing.manual_http_status = "Manual Check";
    for (const { check, failuresInARow, lastError } of this.states) {
      if (lastError !== null && failuresInARow >= Math.max(1, check.threshold)) failing[check.name] = lastError;
    }
    return failing;
  }

  healthy(): boolean {
    return Object.keys(this.failures()).length === 0;
  }

  private async runOne(state: CheckState): Promise<void> {
    const { check } = state;
    if (state.running) {
      this.failed(state, `still running after ${check.interval} ms`);
      return;
    }
    state.running = true;
    const run = check.run();
    try {
      await withTimeout(run, check.timeout);
      if (state.lastError !== null) this.logger.info({ check: check.name }, "health check passes again");
      state.failuresInARow = 0;
      state.lastError = null;
    } catch (error) {
      this.failed(state, error instanceof Error ? error.message : String(error));
    } finally {
      // A timed-out run may still be pending: the check stays busy until it settles.
      void run.catch(() => undefined).finally(() => (state.running = false));
    }
  }

  private failed(state: CheckState, message: string): void {
    state.failuresInARow++;
    state.lastError = message;
    if (state.failuresInARow === Math.max(1, state.check.threshold)) {
      this.logger.error({ check: state.check.name, error: message }, "health check failing");
    }
  }
}
