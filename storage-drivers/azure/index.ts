/** The azure factory: parameters of `storage.azure` → the driver, with its concurrency limit. */
import type { StorageDriver } from "../driver.js";
import { parseAzureParameters } from "./config.js";
import { AzureDriver } from "./driver.js";

/** Calls in flight at once; Azure serves far more per account, this keeps one registry's sockets and memory modest. */
export const AZURE_MAX_CONCURRENCY = 64;

export function createAzureDriver(parameters: Record<string, unknown>): { driver: StorageDriver; maxConcurrency: number } {
  return { driver: new AzureDriver(parseAzureParameters(parameters)), maxConcurrency: AZURE_MAX_CONCURRENCY };
}
