/** docs/compose.cluster.yml (docs/deployment.md): the replicas' REGISTRY_* variables make a valid cluster config. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "./index.js";

const COMPOSE = fileURLToPath(new URL("../../docs/compose.cluster.yml", import.meta.url));

interface Compose {
  services: Record<string, { environment?: Record<string, string>; deploy?: { replicas?: number } }>;
}

describe("docs/compose.cluster.yml", () => {
  it("gives every replica a config that loads without warnings: PostgreSQL, S3, one secret, Berth's token service", () => {
    const compose = parse(readFileSync(COMPOSE, "utf8"), { merge: true }) as Compose;
    const berth = compose.services.berth;
    expect(berth?.deploy?.replicas).toBe(3);
    const warnings: string[] = [];
    const config = loadConfig({ env: berth?.environment ?? {}, cwd: "/", warn: (message) => warnings.push(message) });
    expect(warnings).toEqual([]);
    expect(config.database.driver).toBe("postgres");
    expect(config.storage.driver).toBe("s3");
    expect(config.http.secret).toBe("change-this-shared-secret");
    expect(config.auth.berth?.mode).toBe("token");
    expect(config.gc.schedule).toBe("0 3 * * *");
  });
});
