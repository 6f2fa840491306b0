/** Removes upload sessions older than `storage.maintenance.uploadpurging.age`, as registry:2 does. */
import type { StorageDriver } from "../../storage-drivers/driver.js";
import * as paths from "../registry/paths.js";
import { isNotFound } from "../registry/storage-errors.js";
import { storedRepositories } from "../registry/storage-walk.js";

export interface PurgeSummary {
  examined: number;
  purged: string[];
}

function startedAtMs(text: string): number {
  const ms = Date.parse(text.trim());
  return Number.isNaN(ms) ? 0 : ms;
}

export async function purgeUploads(driver: StorageDriver, olderThanMs: number, dryRun: boolean, now = Date.now()): Promise<PurgeSummary> {
  const summary: PurgeSummary = { examined: 0, purged: [] };
  for await (const repository of storedRepositories(driver)) {
    for (const uuid of repository.uploads) {
      summary.examined++;
      let started = 0;
      try {
        started = startedAtMs((await driver.getContent(paths.uploadStartedAt(repository.name, uuid))).toString());
      } catch (error) {
        if (!isNotFound(error)) throw error;
        // No startedat: a session being created right now, or a broken one. Judge it by its
        // folder's age, so a purge running beside `serve` never removes an upload in the making.
        try {
          started = (await driver.stat(paths.uploadDir(repository.name, uuid))).modTime.getTime();
        } catch (statError) {
          if (isNotFound(statError)) continue;
          throw statError;
        }
      }
      if (now - started < olderThanMs) continue;
      summary.purged.push(`${repository.name}/${uuid}`);
      if (!dryRun) await driver.delete(paths.uploadDir(repository.name, uuid)).catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
    }
  }
  return summary;
}
