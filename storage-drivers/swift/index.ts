/** The swift driver from its registry:2 config section. */
import type { StorageDriver } from "../driver.js";
import { parseSwiftConfig } from "./config.js";
import { SwiftDriver, type SwiftDriverOptions } from "./driver.js";

/** Calls in flight at once through the checked wrapper. */
export const SWIFT_MAX_CONCURRENCY = 64;
/** Open readers hold their socket after the call returns, so sockets get more room than calls. */
const SWIFT_MAX_SOCKETS = 512;

export function createSwiftDriver(parameters: Record<string, unknown>, options: SwiftDriverOptions = {}): { driver: StorageDriver; maxConcurrency: number } {
  const driver = new SwiftDriver(parseSwiftConfig(parameters), { ...options, client: { maxSockets: SWIFT_MAX_SOCKETS, ...options.client } });
  return { driver, maxConcurrency: SWIFT_MAX_CONCURRENCY };
}

export { SwiftDriver } from "./driver.js";
export { parseSwiftConfig } from "./config.js";
