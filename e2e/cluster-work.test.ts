/**
 * Exactly-once cluster work behind nginx (issue 8), on three replicas sharing PostgreSQL and one
 * filesystem root (Swift, in cluster-nginx.test.ts, made 1,000 pushes take over 8 minutes here):
 * - webhooks: many pushes spread over the replicas, each event reaches the receiver once;
 * - garbage collection asked of two replicas at the same moment runs once (the other answers
 *   409, already running), and manifests pushed during the run that refer to old unreferenced
 *   blobs (the ones it is deleting) either fail cleanly or are kept whole;
 * - the project's OCI conformance suite through nginx, each request to the next replica.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatFailures, formatSummary, runConformance } from "../conformance/index.js";
import { TestReceiver } from "../src/notifications/test-receiver.js";
import { apiPullProblem, apiPush, inParallel, sha256, type ApiPushed } from "./harness/api-push.js";
import { startCluster, type RunningCluster } from "./harness/cluster.js";

/** Pushes for the webhook test; each is a config, a layer and a tagged manifest (three push events). */
const PUSHES = 1_000;
const PUSH_CONCURRENCY = 8;
const GARBAGE_BLOBS = 40;
/** Clients pushing while the collection runs. */
const PUSHERS = 6;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let cluster: RunningCluster | undefined;
const receiver = new TestReceiver();

function ready(): RunningCluster {
  if (!cluster) throw new Error("setup failed: the cluster did not start (see the beforeAll error)");
  return cluster;
}

beforeAll(async () => {
  await receiver.start();
  const endpoints = [{ name: "hook", url: receiver.url, timeout: "5s", threshold: 3, backoff: "200ms", ignore: { actions: ["pull"] } }];
  cluster = await startCluster({ replicas: 3, storage: "filesystem", env: { REGISTRY_NOTIFICATIONS_ENDPOINTS: JSON.stringify(endpoints) } });
});

afterAll(async () => {
  await cluster?.stop();
  await receiver.stop();
});

interface GcAnswer {
  status: number;
  body: { id?: number; errors?: { code: string; message: string }[] };
}

async function startGc(url: string): Promise<GcAnswer> {
  const res = await fetch(`${url}/api/v0/gc/runs`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ dryRun: false, grace: "1s" }) });
  return { status: res.status, body: (await res.json()) as GcAnswer["body"] };
}

interface RunView {
  state: string;
  startedAt: string;
  finishedAt: string | null;
  summary: { blobsDeleted: number; repositories: number; durationMs: number } | null;
  error: string | null;
}

async function gcRun(url: string, id: number): Promise<RunView> {
  const res = await fetch(`${url}/api/v0/gc/runs/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as RunView;
}

describe("exactly-once cluster work behind nginx", () => {
  it(`webhooks: ${PUSHES} pushes spread over the replicas, each event delivered exactly once`, async () => {
    const cluster = ready();
    const started = Date.now();
    const outcomes = await inParallel(Array.from({ length: PUSHES }, (_, i) => i), PUSH_CONCURRENCY, (i) => apiPush(cluster.nginx.url, `hooks/app${i % 10}`, `v${i}`, 512));
    const failed = outcomes.filter((outcome) => outcome.status === "rejected");
    expect(failed.map((outcome) => String((outcome as PromiseRejectedResult).reason)).slice(0, 3)).toEqual([]);
    const pushSeconds = (Date.now() - started) / 1000;

    const manifestPushes = () => receiver.acknowledged().filter((event) => event.action === "push" && event.target.tag !== undefined);
    await receiver.waitFor(() => manifestPushes().length >= PUSHES, 300_000);
    // Anything sent twice would have arrived by now.
    await sleep(3_000);
    const events = receiver.received();
    const ids = events.map((event) => event.id);
    const repeated = ids.filter((id, index) => ids.indexOf(id) !== index);
    expect(repeated, "event ids delivered more than once").toEqual([]);
    // Per push: the config, the layer, the manifest.
    expect(events.filter((event) => event.action === "push")).toHaveLength(3 * PUSHES);
    const tags = manifestPushes().map((event) => `${event.target.repository}:${event.target.tag}`);
    expect(new Set(tags).size).toBe(PUSHES);
    // The pushes were accepted by every replica (each names itself in source.instanceID).
    expect(new Set(events.map((event) => event.source.instanceID)).size).toBe(cluster.replicas.length);
    console.log(`webhooks: ${PUSHES} pushes through nginx in ${pushSeconds.toFixed(1)} s, ${events.length} events in ${receiver.posts.length} posts, each once`);
  });

  it("garbage collection asked of two replicas at once runs once; pushes during it are kept or fail cleanly", async () => {
    const cluster = ready();
    // Old, unreferenced blobs in one repository: what the run will delete.
    const repository = "gc/garbage";
    const garbage: string[] = [];
    for (let i = 0; i < GARBAGE_BLOBS; i++) {
      const blob = randomBytes(1024);
      const res = await fetch(`${cluster.nginx.url}/v2/${repository}/blobs/uploads/?digest=${sha256(blob)}`, { method: "POST", body: new Uint8Array(blob) });
      expect(res.status).toBe(201);
      garbage.push(sha256(blob));
    }
    // Something tagged in that repository, so it is one (and a manifest is kept).
    const kept = await apiPush(cluster.nginx.url, repository, "kept");
    await sleep(2_000); // older than the run's 1 s grace

    // Pushers start with the collection and keep going until it has ended: manifests referring to
    // even-numbered garbage blobs (those the run is about to delete), each PUT timed.
    const acknowledged: (ApiPushed & { sent: number; answered: number })[] = [];
    let cleanFailures = 0;
    let collecting = true;
    const pushDuring = async (i: number) => {
      const layer = garbage[(2 * i) % GARBAGE_BLOBS]!;
      const config = Buffer.from(JSON.stringify({ during: i }));
      const uploaded = await fetch(`${cluster.nginx.url}/v2/${repository}/blobs/uploads/?digest=${sha256(config)}`, { method: "POST", body: new Uint8Array(config) });
      expect(uploaded.status).toBe(201);
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256(config), size: config.length },
          layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: layer, size: 1024 }],
        }),
      );
      const sent = Date.now();
      const put = await fetch(`${cluster.nginx.url}/v2/${repository}/manifests/during${i}`, {
        method: "PUT",
        headers: { "Content-Type": "application/vnd.oci.image.manifest.v1+json" },
        body: new Uint8Array(manifest),
      });
      if (put.status === 201) {
        acknowledged.push({ repository, tag: `during${i}`, digest: sha256(manifest), blobs: [sha256(config), layer], sent, answered: Date.now() });
        return;
      }
      // The layer was deleted first: refused with the spec's error, and nothing stored.
      expect(put.status).toBe(400);
      expect(((await put.json()) as { errors: { code: string }[] }).errors[0]?.code).toBe("MANIFEST_BLOB_UNKNOWN");
      expect((await fetch(`${cluster.nginx.url}/v2/${repository}/manifests/during${i}`, { method: "HEAD" })).status).toBe(404);
      cleanFailures++;
    };
    const pushers = Array.from({ length: PUSHERS }, async (_, worker) => {
      for (let i = worker; collecting; i += PUSHERS) await pushDuring(i);
    });

    const answers = await Promise.all([startGc(cluster.replicas[0]!.url), startGc(cluster.replicas[1]!.url)]);
    const accepted = answers.filter((answer) => answer.status === 202);
    const refused = answers.filter((answer) => answer.status !== 202);
    let run: RunView | undefined;
    try {
      expect(accepted, JSON.stringify(answers)).toHaveLength(1);
      expect(refused[0]?.status).toBe(409);
      expect(refused[0]?.body.errors?.[0]?.message).toMatch(/a garbage collection is already running/);
      const runId = accepted[0]!.body.id!;
      do {
        await sleep(50);
        run = await gcRun(cluster.nginx.url, runId);
      } while (run.state === "running");
    } finally {
      collecting = false;
      await Promise.all(pushers);
    }
    expect(run.state, run.error ?? "").toBe("succeeded");
    const startedAt = Date.parse(run.startedAt);
    const finishedAt = Date.parse(run.finishedAt ?? "");
    // Same host, so this clock and PostgreSQL's agree: manifest PUTs in flight while the run ran.
    const duringRun = acknowledged.filter((pushed) => pushed.sent <= finishedAt && pushed.answered >= startedAt).length;
    expect(duringRun, `no push was acknowledged while the collection ran (${run.startedAt} to ${run.finishedAt}; PUTs: ${JSON.stringify(acknowledged.map((p) => [new Date(p.sent).toISOString(), p.answered - p.sent]))}, ${cleanFailures} refused)`).toBeGreaterThan(0);

    // Every acknowledged push is whole, and so is what was tagged before.
    for (const pushed of [kept, ...acknowledged]) expect(await apiPullProblem(cluster.nginx.url, pushed)).toBe("");
    // The run did delete: no odd-numbered garbage blob (never referred to) is left.
    const odd = garbage.filter((_, index) => index % 2 === 1);
    const left = [];
    for (const digest of odd) if ((await fetch(`${cluster.nginx.url}/v2/${repository}/blobs/${digest}`, { method: "HEAD" })).status !== 404) left.push(digest);
    expect(left).toEqual([]);
    expect(run.summary?.blobsDeleted).toBeGreaterThanOrEqual(odd.length);
    console.log(
      `gc during pushes: ${acknowledged.length} manifests acknowledged (${duringRun} while it ran), ${cleanFailures} refused cleanly; ` +
        `${run.summary?.blobsDeleted} blobs deleted over ${run.summary?.repositories} repositories in ${run.summary?.durationMs} ms`,
    );
  });

  it("passes the OCI conformance suite through nginx, every request to the next replica", async () => {
    const cluster = ready();
    const started = Date.now();
    // Not "hostile input": its %00 paths never reach Berth, nginx answers them 400 itself (HTML).
    const report = await runConformance({ url: cluster.nginx.url, only: ["api", "pull", "push", "content discovery", "content management"], log: () => undefined });
    console.log(`conformance through nginx over 3 replicas: ${formatSummary(report).join(" / ")} in ${Math.round((Date.now() - started) / 1000)} s`);
    expect(report.results.length).toBeGreaterThan(50);
    expect(report.failed, `failing conformance tests through nginx:\n${formatFailures(report)}`).toBe(0);
  });
});
