/** In-process test fixture: the app over the inmemory driver and an in-memory SQLite index. */
import { createHash } from "node:crypto";
import { pino } from "pino";
import type { Express } from "express";
import request from "supertest";
import { createDriver } from "../storage-drivers/index.js";
import type { StorageDriver } from "../storage-drivers/driver.js";
import { createApp } from "./app.js";
import { loadConfig } from "./config/index.js";
import type { Config } from "./config/types.js";
import { SqliteMetadataStore } from "./metadata/sqlite.js";
import { Registry } from "./registry/registry.js";

export interface TestRegistry {
  app: Express;
  config: Config;
  driver: StorageDriver;
  metadata: SqliteMetadataStore;
  registry: Registry;
}

export function testRegistry(adjust: (config: Config) => void = () => undefined): TestRegistry {
  const config = loadConfig({ env: {} });
  config.storage.delete.enabled = true;
  config.log.accesslog.disabled = true;
  adjust(config);
  const driver = createDriver("inmemory", {});
  const metadata = new SqliteMetadataStore(":memory:");
  const registry = new Registry(driver, metadata);
  const app = createApp({ config, registry, logger: pino({ level: "silent" }) });
  return { app, config, driver, metadata, registry };
}

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/** Pushes a blob monolithically and returns its digest. */
export async function pushBlob(app: Express, name: string, data: Buffer | string): Promise<string> {
  const digest = sha256(data);
  await request(app)
    .post(`/v2/${name}/blobs/uploads/?digest=${digest}`)
    .set("Content-Type", "application/octet-stream")
    .send(Buffer.from(data))
    .expect(201);
  return digest;
}

export interface PushedImage {
  manifest: Buffer;
  digest: string;
  config: string;
  layer: string;
}

/** Pushes config + one layer + an OCI image manifest under a tag (or by digest when tag is null). */
export async function pushImage(
  app: Express,
  name: string,
  tag: string | null,
  options: { layer?: string; subject?: { digest: string; size: number; mediaType: string }; artifactType?: string } = {},
): Promise<PushedImage> {
  const configBody = JSON.stringify({ architecture: "amd64", os: "linux", seed: Math.random() });
  const layerBody = options.layer ?? `layer-${Math.random()}`;
  const config = await pushBlob(app, name, configBody);
  const layer = await pushBlob(app, name, layerBody);
  const document: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: config, size: Buffer.byteLength(configBody) },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: layer, size: Buffer.byteLength(layerBody) }],
  };
  if (options.subject) document.subject = options.subject;
  if (options.artifactType) document.artifactType = options.artifactType;
  const manifest = Buffer.from(JSON.stringify(document));
  const digest = sha256(manifest);
  await request(app)
    .put(`/v2/${name}/manifests/${tag ?? digest}`)
    .set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
    .send(manifest.toString()) // a Buffer would be JSON-encoded by superagent for a +json type
    .expect(201);
  return { manifest, digest, config, layer };
}
