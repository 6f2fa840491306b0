/** The checks registry:2's health section configures, plus Berth's database check. */
import { stat } from "node:fs/promises";
import { connect } from "node:net";
import type { StorageDriver } from "../../storage-drivers/driver.js";
import { PathNotFoundError } from "../../storage-drivers/errors.js";
import type { HealthConfig } from "../config/types.js";
import type { MetadataStore } from "../metadata/store.js";
import type { HealthCheck } from "./monitor.js";

/** Storage calls may not take longer than this, whatever the interval. */
const STORAGE_TIMEOUT_MS = 5_000;
const DATABASE_INTERVAL_MS = 10_000;

/**
 * registry:2 lists "/" and takes "not found" as healthy (a new registry has no root yet).
 * Berth also fails when the root is missing or empty while the index lists repositories
 * (an unmounted volume, a wrong bucket, a root replaced by a file), and when the root is not
 * a directory.
 */
export function storageCheck(
  driver: StorageDriver,
  config: HealthConfig["storagedriver"],
  indexHasContent: () => Promise<boolean> = async () => false,
): HealthCheck {
  const missing = async (what: string) => {
    if (await indexHasContent()) throw new Error(`the storage root is ${what}, but the metadata index lists repositories`);
  };
  return {
    name: `storagedriver_${driver.name}`,
    interval: config.interval,
    threshold: config.threshold,
    timeout: Math.min(config.interval, STORAGE_TIMEOUT_MS),
    async run() {
      let entries: string[];
      try {
        entries = await driver.list("/");
      } catch (error) {
        if (!(error instanceof PathNotFoundError)) throw error;
        await missing("missing");
        return;
      }
      if (entries.length === 0) await missing("empty");
    },
  };
}

export function databaseCheck(metadata: MetadataStore): HealthCheck {
  return {
    name: "database",
    interval: DATABASE_INTERVAL_MS,
    threshold: 0,
    timeout: STORAGE_TIMEOUT_MS,
    async run() {
      await metadata.isIndexed();
    },
  };
}

/** registry:2's file check: healthy while the file does NOT exist (a maintenance switch). */
export function fileCheck(config: HealthConfig["file"][number]): HealthCheck {
  return {
    name: config.file,
    interval: config.interval,
    threshold: 0,
    timeout: STORAGE_TIMEOUT_MS,
    async run() {
      const exists = await stat(config.file).then(
        () => true,
        () => false,
      );
      if (exists) throw new Error("file exists");
    },
  };
}

export function httpCheck(config: HealthConfig["http"][number]): HealthCheck {
  return {
    name: config.uri,
    interval: config.interval,
    threshold: config.threshold,
    timeout: config.timeout,
    async run() {
      const headers = new Headers();
      for (const [name, values] of Object.entries(config.headers)) for (const value of values) headers.append(name, value);
      const response = await fetch(config.uri, { headers, signal: AbortSignal.timeout(config.timeout) });
      await response.arrayBuffer();
      if (response.status !== config.statuscode) throw new Error(`downstream service returned unexpected status: ${response.status}`);
    },
  };
}

export function tcpCheck(config: HealthConfig["tcp"][number]): HealthCheck {
  return {
    name: config.addr,
    interval: config.interval,
    threshold: config.threshold,
    timeout: config.timeout,
    run() {
      const match = /^(.*):(\d+)$/.exec(config.addr);
      const host = (match?.[1] ?? "").replace(/^\[(.*)\]$/, "$1") || "127.0.0.1";
      const port = Number(match?.[2] ?? 0);
      return new Promise((resolve, reject) => {
        const socket = connect({ host, port, timeout: config.timeout });
        socket.once("connect", () => {
          socket.destroy();
          resolve();
        });
        socket.once("timeout", () => {
          socket.destroy();
          reject(new Error(`connection to ${config.addr} timed out`));
        });
        socket.once("error", (error) => reject(new Error(`connection to ${config.addr} failed: ${error.message}`)));
      });
    },
  };
}

/** Every check the configuration asks for, plus the database. */
export function configuredChecks(config: HealthConfig, driver: StorageDriver, metadata: MetadataStore): HealthCheck[] {
  const indexHasContent = async () => (await metadata.listRepositories({ limit: 1 })).length > 0;
  return [
    ...(config.storagedriver.enabled ? [storageCheck(driver, config.storagedriver, indexHasContent)] : []),
    databaseCheck(metadata),
    ...config.file.map(fileCheck),
    ...config.http.map(httpCheck),
    ...config.tcp.map(tcpCheck),
  ];
}
