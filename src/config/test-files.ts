/** Test helper: writes a config file into a fresh temporary directory. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function writeConfig(text: string, name = "config.yml"): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), "berth-config-"));
  const path = join(dir, name);
  writeFileSync(path, text);
  return { dir, path };
}
