/** Test helpers for soft deletes and collection: images of several layers, storage probes. */
import type { Express } from "express";
import request from "supertest";
import type { StorageDriver } from "../../storage-drivers/driver.js";
import * as paths from "../registry/paths.js";
import { checkDigest } from "../registry/reference.js";
import { isNotFound } from "../registry/storage-errors.js";
import { pushBlob, sha256 } from "../test-support.js";
import { GarbageCollector, type CollectOptions } from "./collector.js";
import type { MetadataStore } from "../metadata/store.js";
import type { GcRun } from "../metadata/gc-records.js";

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

export interface Image {
  digest: string;
  manifest: string;
  config: string;
  layers: string[];
}

/** Pushes a config and the given layers, then an OCI manifest under `reference` (a tag, or by digest when null). */
export async function pushLayers(
  app: Express,
  name: string,
  tag: string | null,
  layers: string[],
  extra: Record<string, unknown> = {},
): Promise<Image> {
  const configBody = JSON.stringify({ architecture: "amd64", os: "linux", seed: Math.random() });
  const config = await pushBlob(app, name, configBody);
  const layerDigests: string[] = [];
  for (const layer of layers) layerDigests.push(await pushBlob(app, name, layer));
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: config, size: Buffer.byteLength(configBody) },
    layers: layers.map((layer, index) => ({ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: layerDigests[index], size: Buffer.byteLength(layer) })),
    ...extra,
  });
  const digest = sha256(manifest);
  await request(app).put(`/v2/${name}/manifests/${tag ?? digest}`).set("Content-Type", OCI_MANIFEST).send(manifest).expect(201);
  return { digest, manifest, config, layers: layerDigests };
}

export async function blobExists(driver: StorageDriver, digest: string): Promise<boolean> {
  try {
    await driver.stat(paths.blobData(checkDigest(digest)));
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

export async function pathExists(driver: StorageDriver, path: string): Promise<boolean> {
  try {
    await driver.stat(path);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/** A collection with no grace period (everything written before it is old enough). */
export async function collect(driver: StorageDriver, metadata: MetadataStore, options: Partial<CollectOptions> = {}): Promise<GcRun> {
  // Grace 0 keeps what was written in the run's first millisecond: start strictly later.
  await new Promise((resolve) => setTimeout(resolve, 3));
  const run = await new GarbageCollector(driver, metadata).collect({
    trigger: "cli",
    dryRun: false,
    deleteUntagged: false,
    graceMs: 0,
    uploadAgeMs: 168 * 3_600_000,
    ...options,
  });
  if (run.state !== "succeeded") throw new Error(`collection failed: ${run.error}`);
  return run;
}

export function summaryOf(run: GcRun): Record<string, number> {
  return run.summary as Record<string, number>;
}
