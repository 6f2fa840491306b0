/** The swift driver from its registry:2 config section. */
import type { StorageDriver } from "../driver.js";
import { parseSwiftConfig } from "./config.js";
import { SwiftDriver, type SwiftDriverOptions } from "./driver.js";

/** Calls in flight at once through the checked wrapper; also the HTTP socket limit. */
export const SWIFT_MAX_CONCURRENCY = 64;

export function createSwiftDriver(parameters: Record<string, unknown>, options: SwiftDriverOptions = {}): { driver: StorageDriver; maxConcurrency: number } {
  const driver = new SwiftDriver(parseSwiftConfig(parameters), { ...options, client: { maxSockets: SWIFT_MAX_CONCURRENCY, ...options.client } });
  return { driver, maxConcurrency: SWIFT_MAX_CONCURRENCY };
}

export { SwiftDriver } from "./driver.js";
export { parseSwiftConfig } from "./config.js";
