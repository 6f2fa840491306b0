/** The s3 factory: parameters of `storage.s3` → the driver, with its concurrency limit. */
import type { StorageDriver } from "../driver.js";
import { createS3Client } from "./client.js";
import { parseS3Parameters } from "./config.js";
import { S3Driver, type S3DriverOptions } from "./driver.js";

/** Calls in flight at once through the checked wrapper. */
export const S3_MAX_CONCURRENCY = 64;
/** Open readers hold their socket after the call returns, so sockets get more room than calls. */
const S3_MAX_SOCKETS = 512;

export function createS3Driver(parameters: Record<string, unknown>, options: S3DriverOptions = {}): { driver: StorageDriver; maxConcurrency: number } {
  const settings = parseS3Parameters(parameters);
  return { driver: new S3Driver(createS3Client(settings, S3_MAX_SOCKETS), settings, options), maxConcurrency: S3_MAX_CONCURRENCY };
}

export { S3Driver } from "./driver.js";
export { parseS3Parameters } from "./config.js";
