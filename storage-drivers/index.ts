import type { StorageDriver } from "./driver.js";
import { CheckedDriver, type CheckedOptions } from "./checked.js";
import { createAzureDriver } from "./azure/index.js";
import { FilesystemDriver } from "./filesystem/driver.js";
import { InMemoryDriver } from "./inmemory/driver.js";
import { createS3Driver } from "./s3/index.js";
import { createSwiftDriver } from "./swift/index.js";

export type DriverParameters = Record<string, unknown>;

/** registry:2's default and floor for the filesystem driver's concurrent calls. */
const FILESYSTEM_DEFAULT_MAXTHREADS = 100;
const FILESYSTEM_MIN_MAXTHREADS = 25;

type Factory = (parameters: DriverParameters) => { driver: StorageDriver; maxConcurrency?: number };

/** Every driver Berth knows, by its config section name. */
const FACTORIES: Record<string, Factory> = {
  filesystem: (parameters) => {
    const rootdirectory = parameters.rootdirectory;
    if (typeof rootdirectory !== "string" || rootdirectory === "") {
      throw new Error("storage.filesystem.rootdirectory must be a non-empty path");
    }
    const maxthreads = typeof parameters.maxthreads === "number" ? parameters.maxthreads : FILESYSTEM_DEFAULT_MAXTHREADS;
    return {
      driver: new FilesystemDriver({ rootdirectory }),
      maxConcurrency: Math.max(FILESYSTEM_MIN_MAXTHREADS, Math.floor(maxthreads)),
    };
  },
  inmemory: () => ({ driver: new InMemoryDriver() }),
  s3: (parameters) => createS3Driver(parameters),
  swift: (parameters) => createSwiftDriver(parameters),
  azure: createAzureDriver,
};

export function driverNames(): string[] {
  return Object.keys(FACTORIES);
}

/** Builds the named driver from its config section, wrapped once in the shared checks. */
export function createDriver(name: string, parameters: DriverParameters, options: Omit<CheckedOptions, "maxConcurrency"> = {}): StorageDriver {
  const factory = FACTORIES[name];
  if (!factory) {
    throw new Error(`storage driver "${name}" is not available in this build (available: ${driverNames().join(", ")})`);
  }
  const { driver, maxConcurrency } = factory(parameters);
  return new CheckedDriver(driver, { ...options, maxConcurrency });
}
