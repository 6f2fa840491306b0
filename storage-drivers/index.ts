import type { StorageDriver } from "./driver.js";
import { CheckedDriver, type CheckedOptions } from "./checked.js";
import { FilesystemDriver } from "./filesystem/driver.js";
import { InMemoryDriver } from "./inmemory/driver.js";

export type DriverParameters = Record<string, unknown>;
type DriverOptions = Omit<CheckedOptions, "maxConcurrency" | "objectStore">;

/** registry:2's default and floor for the filesystem driver's concurrent calls. */
const FILESYSTEM_DEFAULT_MAXTHREADS = 100;
const FILESYSTEM_MIN_MAXTHREADS = 25;

type Factory = (parameters: DriverParameters) => { driver: StorageDriver; maxConcurrency?: number };

/** The drivers that need no SDK, built in. */
const LOCAL_FACTORIES = {
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
} satisfies Record<string, Factory>;

export type LocalDriverName = keyof typeof LOCAL_FACTORIES;

/**
 * The object stores, imported only when configured: their modules and SDKs cost a registry on
 * another backend memory for nothing (the AWS and Azure SDKs alone are tens of MB resident).
 */
const OBJECT_STORE_FACTORIES: Record<string, () => Promise<Factory>> = {
  s3: async () => {
    const { createS3Driver } = await import("./s3/index.js");
    return (parameters) => createS3Driver(parameters);
  },
  swift: async () => {
    const { createSwiftDriver } = await import("./swift/index.js");
    return (parameters) => createSwiftDriver(parameters);
  },
  azure: async () => (await import("./azure/index.js")).createAzureDriver,
};

export function driverNames(): string[] {
  return [...Object.keys(LOCAL_FACTORIES), ...Object.keys(OBJECT_STORE_FACTORIES)];
}

/** Builds any driver by its config section name, wrapped once in the shared checks (berth's commands use this). */
export async function openDriver(name: string, parameters: DriverParameters, options: DriverOptions = {}): Promise<StorageDriver> {
  if (isLocal(name)) return createDriver(name, parameters, options);
  const load = OBJECT_STORE_FACTORIES[name];
  if (!load) {
    throw new Error(`storage driver "${name}" is not available in this build (available: ${driverNames().join(", ")})`);
  }
  return wrap(await load(), parameters, { ...options, objectStore: true });
}

/** Builds a local driver (filesystem, inmemory) at once, with no import to wait for. */
export function createDriver(name: LocalDriverName, parameters: DriverParameters, options: DriverOptions = {}): StorageDriver {
  return wrap(LOCAL_FACTORIES[name], parameters, options);
}

function isLocal(name: string): name is LocalDriverName {
  return Object.hasOwn(LOCAL_FACTORIES, name);
}

function wrap(factory: Factory, parameters: DriverParameters, options: Omit<CheckedOptions, "maxConcurrency">): StorageDriver {
  const { driver, maxConcurrency } = factory(parameters);
  return new CheckedDriver(driver, { ...options, maxConcurrency });
}
