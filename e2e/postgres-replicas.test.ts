/**
 * Exactly-once cluster work with two Berth replicas sharing one PostgreSQL and one storage root
 * (issue 8): garbage collection started on both at the same moment runs once at a time; webhook
 * events from pushes spread over both replicas reach the receiver once each; a replica killed
 * with -9 leaves nothing undelivered.
 */
import { createHash, randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestReceiver } from "../src/notifications/test-receiver.js";
import { startPostgres, type RunningPostgres } from "./harness/postgres.js";
import { startBerth, tempDir, type RunningRegistry } from "./harness/servers.js";

const sha256 = (data: Buffer) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

/** Pushes a config and a layer (monolithic uploads) and an OCI manifest under a tag. */
async function pushImage(url: string, repository: string, tag: string): Promise<{ digest: string }> {
  const blobs = [Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", tag })), randomBytes(2048)];
  for (const blob of blobs) {
    const res = await fetch(`${url}/v2/${repository}/blobs/uploads/?digest=${sha256(blob)}`, { method: "POST", headers: { "Content-Type": "application/octet-stream" }, body: blob });
    if (res.status !== 201) throw new Error(`blob upload to ${url}: ${res.status} ${await res.text()}`);
  }
  const [config, layer] = blobs as [Buffer, Buffer];
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256(config), size: config.length },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: sha256(layer), size: layer.length }],
    }),
  );
  const res = await fetch(`${url}/v2/${repository}/manifests/${tag}`, { method: "PUT", headers: { "Content-Type": "application/vnd.oci.image.manifest.v1+json" }, body: manifest });
  if (res.status !== 201) throw new Error(`manifest PUT to ${url}: ${res.status} ${await res.text()}`);
  return { digest: sha256(manifest) };
}

let postgres: RunningPostgres | undefined;
let databaseUrl = "";
const receiver = new TestReceiver();
const replicas: RunningRegistry[] = [];

function replica(index: number): RunningRegistry {
  const found = replicas[index];
  if (!found) throw new Error("setup failed: the replicas did not start (see the beforeAll error)");
  return found;
}

async function rows<Row extends pg.QueryResultRow>(sql: string): Promise<Row[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<Row>(sql)).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  postgres = await startPostgres();
  databaseUrl = await postgres.createDatabase("cluster");
  await receiver.start();
  const root = tempDir("berth-cluster-data");
  const env = {
    REGISTRY_DATABASE_DRIVER: "postgres",
    REGISTRY_DATABASE_POSTGRES_URL: databaseUrl,
    REGISTRY_HTTP_SECRET: "one-secret-for-every-replica",
    REGISTRY_NOTIFICATIONS_ENDPOINTS: JSON.stringify([{ name: "hook", url: receiver.url, timeout: "2s", threshold: 3, backoff: "100ms", ignore: { actions: ["pull"] } }]),
  };
  // One at a time: the first creates the schema and indexes the (empty) storage.
  replicas.push(await startBerth({ root, env }));
  replicas.push(await startBerth({ root, env }));
});

afterAll(async () => {
  await Promise.all(replicas.map((running) => running.stop()));
  await receiver.stop();
  await postgres?.stop();
});

describe("two replicas on one PostgreSQL", () => {
  it("webhooks for pushes spread over both replicas arrive once each, even when one is killed with -9", async () => {
    const pushed: string[] = [];
    for (let i = 0; i < 20; i++) pushed.push((await pushImage(replica(i % 2).url, `cluster/app${i % 4}`, `v${i}`)).digest);
    // Replica 1 dies without draining; replica 0 delivers what is left.
    replica(1).process.kill("SIGKILL");
    for (let i = 20; i < 30; i++) pushed.push((await pushImage(replica(0).url, `cluster/app${i % 4}`, `v${i}`)).digest);
    const manifestPushes = () => receiver.acknowledged().filter((event) => event.action === "push" && event.target.tag !== undefined);
    await receiver.waitFor(() => manifestPushes().length >= pushed.length, 120_000);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    // A replica killed in the middle of a POST leaves that batch to the next one, which sends it
    // again: the same events, same ids (receivers dedupe by id). Counted by id, each push is there once.
    const byId = new Map(manifestPushes().map((event) => [event.id, event]));
    const tags = [...byId.values()].map((event) => `${event.target.repository}:${event.target.tag}`);
    expect(tags).toHaveLength(30);
    expect(new Set(tags).size).toBe(30);
  });

  it("garbage collection started on both replicas at the same moment: never two at once", async () => {
    const survivor = replica(0);
    const second = await startBerth({ root: survivor.root, env: { REGISTRY_DATABASE_DRIVER: "postgres", REGISTRY_DATABASE_POSTGRES_URL: databaseUrl } });
    replicas[1] = second;
    const answers = await Promise.all(
      [survivor, second, survivor, second].map(async (running) => {
        const res = await fetch(`${running.url}/api/v0/gc/runs`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ dryRun: false }) });
        return { status: res.status, body: (await res.json()) as { errors?: { message: string }[] } };
      }),
    );
    expect(answers.some((answer) => answer.status === 202)).toBe(true);
    for (const answer of answers.filter((a) => a.status !== 202)) {
      expect(answer.status).toBe(409);
      expect(answer.body.errors?.[0]?.message).toMatch(/a garbage collection is already running/);
    }
    // Whatever ran, ran one after the other (times are each replica's estimate of PostgreSQL's
    // clock, which may differ by part of a round trip: a loaded machine's, allowed 1 s).
    let runs: { state: string; started_at: number; finished_at: number | null }[] = [];
    for (let i = 0; i < 100; i++) {
      // BIGINTs as numbers (node-postgres gives them as text).
      runs = await rows("SELECT state, started_at::float8 AS started_at, finished_at::float8 AS finished_at FROM gc_runs WHERE trigger = 'api' ORDER BY started_at");
      if (runs.every((run) => run.state !== "running")) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(runs.length).toBe(answers.filter((a) => a.status === 202).length);
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.started_at).toBeGreaterThanOrEqual((runs[i - 1]!.finished_at ?? Infinity) - 1_000);
    expect(runs.every((run) => run.state === "succeeded")).toBe(true);
  });
});
