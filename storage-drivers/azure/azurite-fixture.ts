/**
 * Test support for the azure driver's tests: one azurite per test file (started on first use,
 * stopped after the file), drivers on fresh roots or containers, and a look at the raw container.
 */
import { randomUUID } from "node:crypto";
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { afterAll, expect } from "vitest";
import { startAzurite, type RunningAzurite } from "../../e2e/harness/azurite.js";
import { CheckedDriver } from "../checked.js";
import type { FileInfo, StorageDriver } from "../driver.js";
import { parseAzureParameters } from "./config.js";
import { AzureDriver, type AzureDriverOptions } from "./driver.js";

/** Returns a getter for this file's azurite, started once and stopped after the file's tests. */
export function useAzurite(): () => Promise<RunningAzurite> {
  let started: Promise<RunningAzurite> | undefined;
  afterAll(async () => {
    if (started) await (await started).stop();
  });
  return () => (started ??= startAzurite());
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 13)}`;
}

/** The driver's parameters as an operator writes them, pointing at this azurite (or a proxy in front of it). */
export function parametersFor(azurite: RunningAzurite, extra: Record<string, unknown> = {}, serviceUrl = azurite.serviceUrl): Record<string, unknown> {
  return { accountname: azurite.accountName, accountkey: azurite.accountKey, serviceurl: serviceUrl, container: "berth", ...extra };
}

export function azureDriver(parameters: Record<string, unknown>, options: AzureDriverOptions = {}): StorageDriver {
  return new CheckedDriver(new AzureDriver(parseAzureParameters(parameters), options));
}

/** The container as the SDK sees it, bypassing the driver. */
export function rawContainer(azurite: RunningAzurite, container: string): ContainerClient {
  return BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(container);
}

export interface RawBlob {
  name: string;
  snapshot: string | undefined;
  blobType: string | undefined;
  size: number;
}

/** Every blob under prefix, snapshots included. */
export async function rawBlobs(container: ContainerClient, prefix: string): Promise<RawBlob[]> {
  const found: RawBlob[] = [];
  for await (const item of container.listBlobsFlat({ prefix, includeSnapshots: true, includeUncommitedBlobs: true })) {
    found.push({ name: item.name, snapshot: item.snapshot || undefined, blobType: item.properties.blobType, size: item.properties.contentLength ?? 0 });
  }
  return found;
}

async function walked(driver: StorageDriver): Promise<FileInfo[]> {
  const all: FileInfo[] = [];
  try {
    for await (const info of driver.walk("/")) all.push(info);
  } catch {
    // nothing stored at all
  }
  return all;
}

/**
 * After a test: the storage under `prefix` holds exactly the files the driver shows (no snapshot,
 * no stray blob), and deleting them through the driver leaves nothing at all.
 */
export async function expectNothingLeftBehind(driver: StorageDriver, container: ContainerClient, prefix: string, blobOf: (path: string) => string): Promise<void> {
  const files = (await walked(driver)).filter((info) => !info.isDir);
  const raw = await rawBlobs(container, prefix);
  expect(raw.filter((blob) => blob.snapshot !== undefined), "snapshots left behind").toEqual([]);
  expect(raw.map((blob) => blob.name).sort(), "blobs the driver does not show").toEqual(files.map((info) => blobOf(info.path)).sort());
  for (const top of await driver.list("/")) await driver.delete(top);
  expect(await rawBlobs(container, prefix), "blobs left after deleting everything").toEqual([]);
}
