/**
 * Online collection under load: 8 clients push (sharing base layers, mounting them across
 * repositories), pull and delete tags against one `berth serve`, while collections run back to
 * back — alternately in the server (POST /api/v0/gc/runs) and as a separate
 * `berth garbage-collect` process, with deleteUntagged and a 1 s grace. Afterwards every tag a
 * client was told was pushed (and did not delete) pulls, every blob in storage hashes to its
 * name, and no pull during the run ever missed a blob of an acknowledged push.
 *
 * Duration: BERTH_GC_STRESS_SECONDS, 120 by default (the 2 minutes).
 */
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { garbageCollect, verifyAllBlobs } from "./harness/berth-gc.js";
import { startBerth, type RunningRegistry } from "./harness/servers.js";

const SECONDS = Number(process.env.BERTH_GC_STRESS_SECONDS ?? 120);
const CLIENTS = 8;
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

interface Pushed {
  repo: string;
  tag: string;
  digest: string;
  blobs: Map<string, Buffer>;
}

const stats = { pushes: 0, pushRetries: 0, pulls: 0, deletes: 0, mounts: 0, runs: 0, cliRuns: 0, blobsDeleted: 0, manifestsDeleted: 0 };
const failures: string[] = [];
let berth: RunningRegistry | undefined;

function sha(data: Buffer | string): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class Client {
  readonly live: Pushed[] = [];
  private count = 0;
  constructor(
    private readonly url: string,
    readonly repo: string,
    private readonly shared: Buffer[],
    private readonly others: () => string[],
  ) {}

  /** Makes sure the repository links the blob: HEAD, else mount from a neighbour, else upload. */
  private async ensureBlob(body: Buffer): Promise<void> {
    const digest = sha(body);
    if ((await fetch(`${this.url}/v2/${this.repo}/blobs/${digest}`, { method: "HEAD" })).status === 200) return;
    const from = this.others()[Math.floor(Math.random() * this.others().length)];
    const start = await fetch(`${this.url}/v2/${this.repo}/blobs/uploads/?mount=${digest}&from=${from}`, { method: "POST" });
    if (start.status === 201) {
      stats.mounts++;
      return;
    }
    if (start.status !== 202) throw new Error(`POST upload: ${start.status} ${await start.text()}`);
    const location = new URL(start.headers.get("location") ?? "", this.url);
    location.searchParams.set("digest", digest);
    const put = await fetch(location, { method: "PUT", body: Uint8Array.from(body), headers: { "content-type": "application/octet-stream" } });
    if (put.status !== 201) throw new Error(`PUT upload: ${put.status} ${await put.text()}`);
  }

  async push(): Promise<void> {
    const tag = `t${++this.count}`;
    const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", client: this.repo, tag, nonce: randomBytes(8).toString("hex") }));
    const layers = [this.shared[Math.floor(Math.random() * this.shared.length)] as Buffer, randomBytes(16_384 + Math.floor(Math.random() * 49_152))];
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha(config), size: config.length },
      layers: layers.map((layer) => ({ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: sha(layer), size: layer.length })),
    });
    for (let attempt = 0; ; attempt++) {
      for (const blob of [config, ...layers]) await this.ensureBlob(blob);
      if (Math.random() < 0.3) await sleep(Math.random() * 1500); // a slow client: layers wait for their manifest
      const res = await fetch(`${this.url}/v2/${this.repo}/manifests/${tag}`, { method: "PUT", body: manifest, headers: { "content-type": OCI_MANIFEST } });
      if (res.status === 201) break;
      const text = await res.text();
      // A layer collected before its manifest came (older than the grace): push it again, as docker would.
      if (res.status === 400 && text.includes("MANIFEST_BLOB_UNKNOWN") && attempt < 5) {
        stats.pushRetries++;
        continue;
      }
      throw new Error(`PUT manifest ${this.repo}:${tag}: ${res.status} ${text}`);
    }
    stats.pushes++;
    this.live.push({ repo: this.repo, tag, digest: sha(manifest), blobs: new Map([config, ...layers].map((b) => [sha(b), b])) });
  }

  async pull(image: Pushed): Promise<void> {
    const res = await fetch(`${this.url}/v2/${image.repo}/manifests/${image.tag}`, { headers: { accept: OCI_MANIFEST } });
    if (res.status !== 200) throw new Error(`pull ${image.repo}:${image.tag}: manifest ${res.status} ${await res.text()}`);
    if (sha(Buffer.from(await res.arrayBuffer())) !== image.digest) throw new Error(`pull ${image.repo}:${image.tag}: manifest digest differs`);
    for (const [digest] of image.blobs) {
      const blob = await fetch(`${this.url}/v2/${image.repo}/blobs/${digest}`);
      if (blob.status !== 200) throw new Error(`pull ${image.repo}:${image.tag}: blob ${digest} ${blob.status}`);
      if (sha(Buffer.from(await blob.arrayBuffer())) !== digest) throw new Error(`pull ${image.repo}:${image.tag}: blob ${digest} corrupt`);
    }
    stats.pulls++;
  }

  async deleteOne(): Promise<void> {
    const image = this.live.splice(Math.floor(Math.random() * this.live.length), 1)[0];
    if (!image) return;
    const res = await fetch(`${this.url}/v2/${image.repo}/manifests/${image.tag}`, { method: "DELETE" });
    if (res.status !== 202) throw new Error(`DELETE ${image.repo}:${image.tag}: ${res.status}`);
    stats.deletes++;
  }

  async work(deadline: number): Promise<void> {
    while (Date.now() < deadline) {
      const roll = Math.random();
      try {
        if (roll < 0.45 || this.live.length < 3) await this.push();
        else if (roll < 0.85) await this.pull(this.live[Math.floor(Math.random() * this.live.length)] as Pushed);
        else await this.deleteOne();
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
    }
  }
}

beforeAll(async () => {
  berth = await startBerth({ deleteEnabled: true });
});

afterAll(async () => {
  await berth?.stop();
});

describe("online garbage collection under load", () => {
  it(`${CLIENTS} clients push, pull and delete for ${SECONDS}s while collections run back to back; everything acknowledged stays whole`, async () => {
    if (!berth) throw new Error("Berth did not start");
    const { url } = berth;
    const shared = Array.from({ length: 4 }, () => randomBytes(65_536));
    const repos = Array.from({ length: CLIENTS }, (_, i) => `stress/c${i}`);
    const clients = repos.map((repo) => new Client(url, repo, shared, () => repos.filter((r) => r !== repo)));
    const deadline = Date.now() + SECONDS * 1000;

    const collector = (async () => {
      while (Date.now() < deadline) {
        const viaCli = stats.runs % 2 === 1;
        let summary: Record<string, number>;
        if (viaCli) {
          summary = (await garbageCollect(berth as RunningRegistry, ["--grace", "1s", "--delete-untagged"])).summary;
          stats.cliRuns++;
        } else {
          const res = await fetch(`${url}/api/v0/gc/runs?wait=true`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ deleteUntagged: true, grace: "1s" }),
          });
          const run = (await res.json()) as { state: string; error: string | null; summary: Record<string, number> };
          if (res.status === 409) continue; // a CLI run still holds the lease
          if (run.state !== "succeeded") throw new Error(`collection failed: ${run.error}`);
          summary = run.summary;
        }
        stats.runs++;
        stats.blobsDeleted += summary.blobsDeleted ?? 0;
        stats.manifestsDeleted += summary.manifestsDeleted ?? 0;
      }
    })();
    await Promise.all([collector, ...clients.map((client) => client.work(deadline))]);

    // A last collection with no grace, then everything acknowledged and kept must pull whole.
    const last = await garbageCollect(berth, ["--grace", "0s", "--delete-untagged"]);
    stats.blobsDeleted += last.summary.blobsDeleted ?? 0;
    const verifier = clients[0] as Client;
    let checked = 0;
    for (const client of clients) {
      for (const image of client.live) {
        await verifier.pull(image).catch((error: unknown) => failures.push(`after the run: ${error instanceof Error ? error.message : String(error)}`));
        checked++;
      }
    }
    const storage = verifyAllBlobs(berth.root);
    console.log(`gc stress: ${JSON.stringify({ seconds: SECONDS, ...stats, tagsChecked: checked, blobsInStorage: storage.count })}`);
    if (failures.length > 0) console.log(`gc stress failures:\n${failures.slice(0, 20).join("\n")}`);
    expect(failures).toEqual([]);
    expect(storage.bad).toEqual([]);
    expect(stats.runs).toBeGreaterThan(3);
    expect(stats.cliRuns).toBeGreaterThan(0);
    expect(stats.pushes).toBeGreaterThan(100);
    expect(stats.blobsDeleted).toBeGreaterThan(0);
    expect(checked).toBeGreaterThan(0);
    // Deleted tags stay deleted.
    const tags = (await (await fetch(`${url}/v2/stress/c0/tags/list`)).json()) as { tags: string[] };
    expect(new Set(tags.tags)).toEqual(new Set((clients[0] as Client).live.map((image) => image.tag)));
  });
});
