/**
 * Resources several scenarios use (an object store such as Swift, which also serves S3), started
 * on first use and stopped once, when the run ends. A start that failed is not retried: every
 * scenario that needs it then fails with the same error.
 */
import type { SharedResource } from "./scenarios/common.js";

export class SharedResources {
  private readonly started = new Map<string, Promise<SharedResource>>();

  get<T extends SharedResource>(key: string, start: () => Promise<T>): Promise<T> {
    let resource = this.started.get(key);
    if (!resource) {
      resource = start();
      resource.catch(() => undefined); // reported to the scenario that awaits it
      this.started.set(key, resource);
    }
    return resource as Promise<T>;
  }

  /** Stops everything that started, newest first; reports (never throws) a failed stop. */
  async stopAll(report: (message: string) => void): Promise<void> {
    for (const [key, resource] of [...this.started].reverse()) {
      const started = await resource.catch(() => null); // a failed start left nothing to stop
      try {
        await started?.stop();
      } catch (error) {
        report(`stopping ${key}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    this.started.clear();
  }
}
