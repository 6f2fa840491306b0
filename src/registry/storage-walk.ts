/** Finding repositories and upload sessions in storage, as registry:2 defines them. */
import type { StorageDriver } from "../../storage-drivers/driver.js";
import * as paths from "./paths.js";
import { isNotFound } from "./storage-errors.js";

export interface StoredRepository {
  name: string;
  /** True when the folder holds `_manifests` (registry:2's definition of a repository). */
  hasManifests: boolean;
  /** True when the folder holds `_layers` (blob links, possibly with no manifest yet). */
  hasLayers: boolean;
  /** Upload session ids under `_uploads`. */
  uploads: string[];
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

async function listOrEmpty(driver: StorageDriver, path: string): Promise<string[]> {
  try {
    return await driver.list(path);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

/**
 * Every folder below repositories/ holding `_manifests`, `_layers` or `_uploads`, in lexical order.
 * Folders starting with "_" are never descended into as repositories.
 */
export async function* storedRepositories(driver: StorageDriver): AsyncGenerator<StoredRepository> {
  async function* visit(path: string, name: string): AsyncGenerator<StoredRepository> {
    const children = (await listOrEmpty(driver, path)).map(baseName).sort();
    const hasManifests = children.includes("_manifests");
    const uploads = children.includes("_uploads") ? (await listOrEmpty(driver, `${path}/_uploads`)).map(baseName) : [];
    const hasLayers = children.includes("_layers");
    if (name !== "" && (hasManifests || hasLayers || uploads.length > 0)) yield { name, hasManifests, hasLayers, uploads };
    for (const child of children) {
      if (child.startsWith("_")) continue;
      yield* visit(`${path}/${child}`, name === "" ? child : `${name}/${child}`);
    }
  }
  yield* visit(paths.REPOSITORIES, "");
}
