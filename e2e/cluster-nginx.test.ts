/**
 * Scale-out (issue 8): three Berth replicas sharing one http.secret, one PostgreSQL and one Swift
 * container, behind Debian's nginx round-robin. docker push and pull go through nginx and are
 * answered by every replica in turn; a chunked upload whose PATCHes are sent to different
 * replicas directly completes with the right digest (the running hash is only local, so the
 * replica that completes it re-hashes what storage holds); a replica killed with -9 during a
 * batch of docker pushes loses nothing: each push completes (the client retries) or fails
 * cleanly, and every completed image pulls bit-identical; a rolling restart (SIGTERM, drain,
 * start again, one replica after the other) during docker pushes fails none of them.
 */
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCluster, type RunningCluster } from "./harness/cluster.js";
import { startDockerd, type Dockerd } from "./harness/dockerd.js";
import { buildImage, buildImageSet, diffIds, imageId, MiB, pushImage, removeAllImages, type BuiltImage, type ImageSet } from "./harness/images.js";
import type { RunningRegistry } from "./harness/servers.js";

const sha256 = (data: Buffer) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

let cluster: RunningCluster | undefined;
let dockerd: Dockerd | undefined;
let images: ImageSet;
/** Images pushed all at once while a replica is killed. */
const BATCH_SIZE = 5;
const PUSH_ATTEMPTS = 3;
/** docker pushes during the rolling restart. */
const ROLLING_PUSHES = 6;

function ready(): { cluster: RunningCluster; dockerd: Dockerd } {
  if (!cluster || !dockerd) throw new Error("setup failed: the cluster or dockerd did not start (see the beforeAll error)");
  return { cluster, dockerd };
}

function replica(index: number): RunningRegistry {
  const found = ready().cluster.replicas[index];
  if (!found) throw new Error(`no replica ${index}`);
  return found;
}

beforeAll(async () => {
  const [startedCluster, startedDockerd] = await Promise.allSettled([startCluster({ replicas: 3 }), startDockerd()]);
  if (startedCluster.status === "fulfilled") cluster = startedCluster.value;
  if (startedDockerd.status === "fulfilled") dockerd = startedDockerd.value;
  if (startedCluster.status === "rejected") throw startedCluster.reason;
  if (startedDockerd.status === "rejected") throw startedDockerd.reason;
  images = await buildImageSet(startedDockerd.value, "cluster", 8 * MiB);
});

afterAll(async () => {
  await dockerd?.stop();
  await cluster?.stop();
});

describe("three replicas behind nginx", () => {
  it("docker push and pull through nginx, the requests spread over every replica", async () => {
    const { cluster, dockerd } = ready();
    const plan: [string, BuiltImage][] = [
      ["cluster/small:1", images.small],
      ["cluster/app/large:1", images.large],
      ["cluster/app/derived:1", images.derived],
    ];
    const digests = new Map<string, string>();
    for (const [name, image] of plan) {
      const ref = `${cluster.nginx.host}/${name}`;
      await dockerd.docker(["tag", image.id, ref]);
      digests.set(ref, (await pushImage(dockerd, ref)).digest);
    }
    await removeAllImages(dockerd);
    for (const [name, image] of plan) {
      const ref = `${cluster.nginx.host}/${name}`;
      await dockerd.docker(["pull", ref]);
      expect(await imageId(dockerd, ref)).toBe(image.id);
      expect(await diffIds(dockerd, ref)).toEqual(image.layers);
      const manifest = await fetch(`${cluster.nginx.url}/v2/${name.replace(":", "/manifests/")}`, {
        method: "HEAD",
        headers: { accept: "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json" },
      });
      expect(manifest.headers.get("docker-content-digest")).toBe(digests.get(ref));
    }
    // Round-robin: every replica answered part of the push and pull.
    const answeredBy = new Set(cluster.nginx.accessLog().filter((entry) => entry.uri.startsWith("/v2/")).flatMap((entry) => entry.upstreams));
    expect([...answeredBy].sort()).toEqual(cluster.replicas.map((running) => running.host).sort());
    // Nothing failed on the way (a 5xx would mean a replica lacked state another one had).
    expect(cluster.nginx.accessLog().filter((entry) => entry.status >= 500)).toEqual([]);
  });

  it("a chunked upload whose PATCHes go to different replicas completes with the right digest", async () => {
    const { cluster } = ready();
    const chunks = [randomBytes(MiB + 17), randomBytes(2 * MiB), randomBytes(300_001), randomBytes(MiB - 5)];
    const whole = Buffer.concat(chunks);
    const repository = "cluster/chunked";
    const started = await fetch(`${replica(0).url}/v2/${repository}/blobs/uploads/`, { method: "POST" });
    expect(started.status).toBe(202);
    let location = started.headers.get("location") ?? "";
    expect(location).toMatch(new RegExp(`^/v2/${repository}/blobs/uploads/`));
    let offset = 0;
    // Replicas 0, 1, 2, 0: none holds the running hash of what the others appended.
    for (const [index, chunk] of chunks.entries()) {
      const target = replica(index % 3);
      const res = await fetch(`${target.url}${location}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/octet-stream", "Content-Range": `${offset}-${offset + chunk.length - 1}` },
        body: new Uint8Array(chunk),
      });
      expect(res.status, `PATCH ${index} to ${target.host}: ${await res.clone().text()}`).toBe(202);
      offset += chunk.length;
      expect(res.headers.get("range")).toBe(`0-${offset - 1}`);
      location = res.headers.get("location") ?? location;
    }
    // Any replica knows how far the upload got.
    const status = await fetch(`${replica(2).url}${location}`);
    expect(status.status).toBe(204);
    expect(status.headers.get("range")).toBe(`0-${whole.length - 1}`);

    // A wrong digest is refused and leaves no blob behind; the right one completes on yet another replica.
    const wrong = sha256(randomBytes(16));
    const refused = await fetch(`${replica(2).url}${location}${location.includes("?") ? "&" : "?"}digest=${wrong}`, { method: "PUT" });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { errors: { code: string }[] }).errors[0]?.code).toBe("DIGEST_INVALID");
    expect((await fetch(`${cluster.nginx.url}/v2/${repository}/blobs/${wrong}`, { method: "HEAD" })).status).toBe(404);

    const digest = sha256(whole);
    const again = await fetch(`${replica(1).url}/v2/${repository}/blobs/uploads/`, { method: "POST" });
    location = again.headers.get("location") ?? "";
    offset = 0;
    for (const [index, chunk] of chunks.entries()) {
      const res = await fetch(`${replica(index % 3).url}${location}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/octet-stream", "Content-Range": `${offset}-${offset + chunk.length - 1}` },
        body: new Uint8Array(chunk),
      });
      expect(res.status).toBe(202);
      offset += chunk.length;
      location = res.headers.get("location") ?? location;
    }
    const completed = await fetch(`${replica(2).url}${location}${location.includes("?") ? "&" : "?"}digest=${digest}`, { method: "PUT" });
    expect(completed.status, await completed.clone().text()).toBe(201);
    expect(completed.headers.get("docker-content-digest")).toBe(digest);

    const fetched = await fetch(`${cluster.nginx.url}/v2/${repository}/blobs/${digest}`);
    expect(fetched.status).toBe(200);
    const body = Buffer.from(await fetched.arrayBuffer());
    expect(body.length).toBe(whole.length);
    expect(sha256(body)).toBe(digest);
  });

  it("kill -9 of a replica during a batch of pushes: each push completes (client retry) or fails cleanly; completed ones pull bit-identical", async () => {
    const { cluster, dockerd } = ready();
    const victim = 2;
    const batch: BuiltImage[] = [];
    for (let i = 0; i < BATCH_SIZE; i++) batch.push(await buildImage(dockerd, { tag: `cluster/batch${i}:src`, layerSizes: [512 * 1024, 3 * MiB] }));
    const refs = batch.map((_, i) => `${cluster.nginx.host}/cluster/batch${i}:v1`);
    for (const [i, image] of batch.entries()) await dockerd.docker(["tag", image.id, refs[i]!]);
    let finished = 0;
    let retries = 0;
    /** docker push, tried again on failure as a CI job would; the last error when every attempt failed. */
    const pushWithRetry = async (ref: string): Promise<{ digest: string } | { error: string }> => {
      let error = "";
      for (let attempt = 1; attempt <= PUSH_ATTEMPTS; attempt++) {
        try {
          return { digest: (await pushImage(dockerd, ref)).digest };
        } catch (failure) {
          error = failure instanceof Error ? failure.message : String(failure);
          if (attempt < PUSH_ATTEMPTS) retries++;
        }
      }
      return { error };
    };
    const pushes = refs.map((ref) => pushWithRetry(ref).finally(() => finished++));
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const inFlight = refs.length - finished;
    cluster.replicas[victim]!.process.kill("SIGKILL");
    const outcomes = await Promise.all(pushes);
    expect(inFlight, "every push had finished before the kill: nothing was tested").toBeGreaterThan(0);

    await removeAllImages(dockerd);
    const completed = outcomes.filter((outcome): outcome is { digest: string } => "digest" in outcome).length;
    for (const [i, outcome] of outcomes.entries()) {
      const ref = refs[i]!;
      const name = ref.slice(cluster.nginx.host.length + 1).replace(":", "/manifests/");
      const head = await fetch(`${cluster.nginx.url}/v2/${name}`, { method: "HEAD", headers: { accept: "application/vnd.docker.distribution.manifest.v2+json" } });
      if ("digest" in outcome) {
        expect(head.headers.get("docker-content-digest")).toBe(outcome.digest);
        await dockerd.docker(["pull", ref]);
        expect(await imageId(dockerd, ref)).toBe(batch[i]!.id);
        expect(await diffIds(dockerd, ref)).toEqual(batch[i]!.layers);
      } else {
        // Failed cleanly: the tag was never written.
        expect(head.status, `${ref} failed (${outcome.error}) yet its tag exists`).toBe(404);
      }
    }
    // The killed replica starts again on its port and nginx sends it requests again.
    const restarted = await cluster.restart(victim);
    expect((await fetch(`${restarted.url}/v2/`)).status).toBe(200);
    const victimHost = cluster.replicas[victim]!.host;
    const cutOff = cluster.nginx.accessLog().filter((entry) => entry.upstreams.includes(victimHost) && (entry.status >= 500 || entry.upstreams.length > 1)).length;
    console.log(
      `kill -9 during ${refs.length} docker pushes (${inFlight} in flight): ${completed} completed, ${retries} client retries, ${refs.length - completed} failed cleanly; ` +
        `${cutOff} requests nginx answered 5xx or passed on because of the killed replica`,
    );
    expect(completed).toBeGreaterThan(0);
  });

  it("rolling restart during docker pushes: each replica drained (SIGTERM) and started again, no push fails", async () => {
    const { cluster, dockerd } = ready();
    const images: BuiltImage[] = [];
    for (let i = 0; i < ROLLING_PUSHES; i++) images.push(await buildImage(dockerd, { tag: `cluster/rolling${i}:src`, layerSizes: [256 * 1024, 2 * MiB] }));
    const refs = images.map((_, i) => `${cluster.nginx.host}/cluster/rolling${i}:v1`);
    for (const [i, image] of images.entries()) await dockerd.docker(["tag", image.id, refs[i]!]);
    const logBefore = cluster.nginx.accessLog().length;
    let finished = 0;
    // Two rounds of pushes, so some are always running while the replicas restart in turn.
    const pushes = refs.map(async (ref, i) => {
      if (i >= refs.length / 2) await new Promise((resolve) => setTimeout(resolve, 1_500));
      return pushImage(dockerd, ref).finally(() => finished++);
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const inFlight = refs.length - finished;
    for (let index = 0; index < cluster.replicas.length; index++) await cluster.restart(index);
    const outcomes = await Promise.allSettled(pushes);
    expect(inFlight, "every push had finished before the restarts: nothing was tested").toBeGreaterThan(0);
    expect(outcomes.filter((outcome) => outcome.status === "rejected").map((outcome) => String((outcome as PromiseRejectedResult).reason))).toEqual([]);
    // Drained, not cut off: nginx never had to answer a 5xx for a replica going away.
    const failed = cluster.nginx.accessLog().slice(logBefore).filter((entry) => entry.status >= 500);
    expect(failed).toEqual([]);
    await removeAllImages(dockerd);
    for (const [i, ref] of refs.entries()) {
      await dockerd.docker(["pull", ref]);
      expect(await imageId(dockerd, ref)).toBe(images[i]!.id);
    }
  });
});
