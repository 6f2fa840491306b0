/**
 * A Berth cluster as an operator runs it (issue 8): N identical replicas sharing one http.secret,
 * one PostgreSQL database (e2e/harness/postgres.ts) and one store — a Swift container
 * (e2e/harness/swift.ts), or one filesystem root for tests about something else — with nginx
 * round-robin in front (e2e/harness/nginx.ts). A replica can be killed and started again on its
 * port, so nginx finds it where it was.
 */
import { rmSync } from "node:fs";
import { startNginx, type RunningNginx } from "./nginx.js";
import { startPostgres, type RunningPostgres } from "./postgres.js";
import { distinctPorts, startBerth, tempDir, type RunningRegistry } from "./servers.js";
import { startSwift, swiftRegistryEnv, type RunningSwift } from "./swift.js";

export interface ClusterOptions {
  replicas: number;
  /** Swift (the default) or one filesystem root shared by the replicas. */
  storage?: "swift" | "filesystem";
  /** Extra REGISTRY_* variables for every replica (e.g. notifications). */
  env?: Record<string, string>;
}

export interface RunningCluster {
  postgres: RunningPostgres;
  /** The object store, with storage "swift". */
  swift: RunningSwift | undefined;
  nginx: RunningNginx;
  /** postgres://… of the database every replica shares. */
  databaseUrl: string;
  /** The replicas, by index; a killed one stays here until restart(index). */
  replicas: RunningRegistry[];
  /** The environment every replica starts with (for one-off CLI runs against the same cluster). */
  env: Record<string, string>;
  /** Starts replica `index` again on its port (after it was killed or stopped). */
  restart(index: number): Promise<RunningRegistry>;
  stop(): Promise<void>;
}

export const CLUSTER_SECRET = "one-http-secret-for-every-replica";
const CONTAINER = "berth-cluster";

/** Starts the backing servers, then the replicas (the first alone: it creates the schema), then nginx. */
export async function startCluster(options: ClusterOptions): Promise<RunningCluster> {
  const useSwift = (options.storage ?? "swift") === "swift";
  const [startedPostgres, startedSwift] = await Promise.allSettled([startPostgres(), useSwift ? startSwift() : Promise.resolve(undefined)]);
  if (startedPostgres.status === "rejected" || startedSwift.status === "rejected") {
    if (startedPostgres.status === "fulfilled") await startedPostgres.value.stop();
    if (startedSwift.status === "fulfilled") await startedSwift.value?.stop();
    throw startedPostgres.status === "rejected" ? startedPostgres.reason : (startedSwift as PromiseRejectedResult).reason;
  }
  const postgres = startedPostgres.value;
  const swift = startedSwift.value;
  // startBerth's filesystem root (unused with Swift).
  const root = tempDir("berth-cluster-data");
  const replicas: RunningRegistry[] = [];
  let nginx: RunningNginx | undefined;
  const stop = async () => {
    await nginx?.stop();
    await Promise.all(replicas.map((replica) => replica.stop()));
    await Promise.all([postgres.stop(), swift?.stop()]);
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const databaseUrl = await postgres.createDatabase("cluster");
    const env: Record<string, string> = {
      ...(swift ? swiftRegistryEnv(swift, { container: CONTAINER }) : {}),
      REGISTRY_DATABASE_DRIVER: "postgres",
      REGISTRY_DATABASE_POSTGRES_URL: databaseUrl,
      REGISTRY_HTTP_SECRET: CLUSTER_SECRET,
      ...options.env,
    };
    const ports = await distinctPorts(options.replicas);
    const startOn = (port: number) => startBerth({ port, root, env });
    replicas.push(await startOn(ports[0]!));
    replicas.push(...(await Promise.all(ports.slice(1).map(startOn))));
    nginx = await startNginx({ upstreams: replicas.map((replica) => replica.host) });
    const restart = async (index: number) => {
      const port = ports[index];
      if (port === undefined) throw new Error(`no replica ${index}`);
      await replicas[index]?.stop();
      const replica = await startOn(port);
      replicas[index] = replica;
      return replica;
    };
    return { postgres, swift, nginx, databaseUrl, replicas, env, restart, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
