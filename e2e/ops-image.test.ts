/**
 * The Dockerfile, built and run for real: Debian 13 bases made with debootstrap (nothing can
 * be pulled here), `docker build` with BASE/BUILD_BASE, then the container run as docs/docker.md's
 * compose file runs it — TLS and htpasswd from files in /run/secrets through REGISTRY_*
 * variables, a root-owned data directory as registry:2 leaves it — and the real Docker client
 * logging in, pushing and pulling. Also the image's own defaults with no variables at all, its
 * HEALTHCHECK, the unprivileged user, and a clean stop.
 */
import bcrypt from "bcryptjs";
import { execFile } from "node:child_process";
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { debianBaseImages, type DebianBases } from "./harness/debian-base.js";
import { DOCKER, startDockerd, type Dockerd } from "./harness/dockerd.js";
import { buildImage, imageId, pushImage } from "./harness/images.js";
import { freePort, PROJECT_ROOT, tempDir } from "./harness/servers.js";
import { externalAddress, makePki, tlsRequest, trustInDocker, type TestPki } from "./harness/tls.js";

const IMAGE = "berth-e2e/berth:test";
const BERTH_UID = 10001;

let dockerd: Dockerd | undefined;
let bases: DebianBases;
const timings: Record<string, number> = {};
const cleanups: (() => void | Promise<void>)[] = [];

function ready(): Dockerd {
  if (!dockerd) throw new Error("setup failed: dockerd did not start or the image did not build (see the beforeAll error)");
  return dockerd;
}

async function timed<T>(name: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await work();
  } finally {
    timings[name] = Math.round((Date.now() - started) / 100) / 10;
  }
}

async function inspect(container: string, format: string): Promise<string> {
  return (await ready().docker(["inspect", "--format", format, container])).trim();
}

async function waitForHealth(container: string, wanted: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let status = "";
  while (Date.now() < deadline) {
    status = await inspect(container, "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}");
    if (status === `running ${wanted}`) return;
    if (!status.startsWith("running")) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const logs = await ready().docker(["logs", "--tail", "30", container]).catch((error: Error) => error.message);
  throw new Error(`container ${container} is "${status}", not "running ${wanted}"; its log:\n${logs}`);
}

/** stdout and stderr of `docker logs` (also when the container has exited). */
function containerLogs(docker: Dockerd, container: string): Promise<string> {
  return new Promise((resolve) => {
    execFile(DOCKER, ["logs", container], { env: { ...process.env, DOCKER_HOST: docker.host } }, (_error, stdout, stderr) => resolve(`${stdout}${stderr}`));
  });
}

/** The uid the container's main process runs as, read from the host's /proc. */
async function processUid(container: string): Promise<number> {
  const pid = await inspect(container, "{{.State.Pid}}");
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((entry) => entry.startsWith("Uid:"));
  return Number(line?.split(/\s+/)[1]);
}

beforeAll(async () => {
  dockerd = await timed("dockerd", () => startDockerd());
  bases = await timed("debian bases", () => debianBaseImages(ready(), (line) => process.stderr.write(`ops-image: ${line}\n`)));
  await timed("docker build", () =>
    // -O0: SQLite compiles in seconds instead of minutes; the image works the same.
    ready().docker(["build", "-q", "--network", "host", "--build-arg", `BASE=${bases.runtime}`, "--build-arg", `BUILD_BASE=${bases.build}`, "--build-arg", "CFLAGS=-O0", "-t", IMAGE, PROJECT_ROOT]),
  );
  // Two debootstraps and an image build: about 6 minutes on a quiet machine, more than twice that on a loaded one.
}, 30 * 60_000);

afterAll(async () => {
  process.stderr.write(`ops-image timings (s, bases ${bases?.cached ? "from cache" : "made"}): ${JSON.stringify(timings)}\n`);
  for (const cleanup of cleanups.reverse()) await cleanup();
  if (dockerd) await dockerd.stop();
});

describe("Berth's Docker image", () => {
  it("has registry:2's paths, port and command, a HEALTHCHECK, and stays small beside its base", async () => {
    const docker = ready();
    const config = JSON.parse(await docker.docker(["image", "inspect", "--format", "{{json .Config}}", IMAGE])) as {
      ExposedPorts: Record<string, unknown>;
      Volumes: Record<string, unknown>;
      Healthcheck: { Test: string[] };
      Entrypoint: string[];
      Cmd: string[];
    };
    expect(Object.keys(config.ExposedPorts)).toEqual(["5000/tcp"]);
    expect(Object.keys(config.Volumes)).toEqual(["/var/lib/registry"]);
    expect(config.Cmd).toEqual(["/etc/docker/registry/config.yml"]);
    expect(config.Healthcheck.Test).toEqual(["CMD", "node", "/opt/berth/dist/src/main.js", "healthcheck", "/etc/docker/registry/config.yml"]);
    const size = async (image: string) => Number(await docker.docker(["image", "inspect", "--format", "{{.Size}}", image]));
    const added = (await size(IMAGE)) - (await size(bases.runtime));
    timings["MiB added to the base"] = Math.round(added / 2 ** 20);
    // Berth and its production dependencies only: no compiler, no dev dependencies.
    expect(added).toBeLessThan(120 * 2 ** 20);
    const probe = "for path in better-sqlite3/build/Release/better_sqlite3.node express vitest typescript @vitest; do test -e /opt/berth/node_modules/$path && echo $path; done; test -e /usr/bin/g++ && echo g++; true";
    const present = (await docker.docker(["run", "--rm", "--network", "none", "--entrypoint", "sh", IMAGE, "-c", probe])).trim().split("\n");
    expect(present).toEqual(["better-sqlite3/build/Release/better_sqlite3.node", "express"]);
  });

  it("runs with its own defaults and no variables: healthy, serving /v2/ on :5000 as the berth user", async () => {
    const docker = ready();
    const name = "berth-e2e-defaults";
    await docker.docker(["run", "-d", "--name", name, "--network", "none", "--health-interval", "1s", "--health-start-period", "30s", IMAGE]);
    cleanups.push(() => docker.docker(["rm", "-f", name]).then(() => undefined, () => undefined));
    await waitForHealth(name, "healthy");
    expect(await processUid(name)).toBe(BERTH_UID);
    const answer = await docker.docker(["exec", name, "node", "-e", "fetch('http://127.0.0.1:5000/v2/').then(async (r) => console.log(r.status, r.headers.get('x-content-type-options'), await r.text()))"]);
    expect(answer.trim()).toBe("200 nosniff {}");
    await docker.docker(["stop", "-t", "20", name]);
    expect(await inspect(name, "{{.State.ExitCode}}")).toBe("0");
  });

  it("serves docs/docker.md's compose setup — TLS and htpasswd from /run/secrets via REGISTRY_* — to docker login, push and pull", async () => {
    const docker = ready();
    const ip = externalAddress();
    const port = await freePort();
    const host = `${ip}:${port}`;
    const pki: TestPki = makePki(ip);
    cleanups.push(() => pki.remove());
    const secrets = tempDir("image-secrets");
    const data = tempDir("image-data");
    cleanups.push(() => rmSync(secrets, { recursive: true, force: true }));
    cleanups.push(() => rmSync(data, { recursive: true, force: true }));
    // Secrets as docs/docker.md asks: readable by the berth group, not by everyone.
    writeFileSync(join(secrets, "htpasswd"), `alice:${bcrypt.hashSync("alice-secret", 5)}\n`);
    copyFileSync(pki.serverCert, join(secrets, "domain.crt"));
    copyFileSync(pki.serverKey, join(secrets, "domain.key"));
    for (const [file, mode] of [["htpasswd", 0o640], ["domain.crt", 0o644], ["domain.key", 0o640]] as const) {
      chownSync(join(secrets, file), 0, BERTH_UID);
      chmodSync(join(secrets, file), mode);
    }
    // registry:2 ran as root: its data directory and files belong to root.
    mkdirSync(join(data, "docker", "registry", "v2", "repositories"), { recursive: true });
    expect(statSync(data).uid).toBe(0);

    const name = "berth-e2e-compose";
    await docker.docker([
      "run", "-d", "--name", name, "--network", "host", "--health-interval", "1s", "--health-start-period", "30s",
      "-v", `${join(secrets, "domain.crt")}:/run/secrets/domain.crt:ro`,
      "-v", `${join(secrets, "domain.key")}:/run/secrets/domain.key:ro`,
      "-v", `${join(secrets, "htpasswd")}:/run/secrets/htpasswd:ro`,
      "-v", `${data}:/var/lib/registry`,
      "-e", `REGISTRY_HTTP_ADDR=${host}`,
      "-e", "REGISTRY_HTTP_TLS_CERTIFICATE=/run/secrets/domain.crt",
      "-e", "REGISTRY_HTTP_TLS_KEY=/run/secrets/domain.key",
      "-e", "REGISTRY_AUTH=htpasswd",
      "-e", "REGISTRY_AUTH_HTPASSWD_REALM=Registry Realm",
      "-e", "REGISTRY_AUTH_HTPASSWD_PATH=/run/secrets/htpasswd",
      "-e", "REGISTRY_STORAGE_DELETE_ENABLED=true",
      IMAGE,
    ]);
    cleanups.push(() => docker.docker(["rm", "-f", name]).then(() => undefined, () => undefined));
    try {
      await waitForHealth(name, "healthy");
      expect(await processUid(name)).toBe(BERTH_UID);
      expect(statSync(data).uid).toBe(BERTH_UID);

      const anonymous = await tlsRequest(`https://${host}/v2/`, { ca: pki.caCert });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers["www-authenticate"]).toBe('Basic realm="Registry Realm"');

      cleanups.push(trustInDocker(host, pki.caCert));
      await docker.docker(["login", "-u", "alice", "-p", "alice-secret", host]);
      const image = await buildImage(docker, { tag: "image-e2e/app:src", layerSizes: [64 * 1024, 512 * 1024] });
      const ref = `${host}/ops/app:1.0`;
      await docker.docker(["tag", image.tag, ref]);
      const pushed = await pushImage(docker, ref);
      await docker.docker(["rmi", ref, image.tag]);
      await docker.docker(["pull", ref]);
      expect(await imageId(docker, ref)).toBe(image.id);
      const manifest = await tlsRequest(`https://${host}/v2/ops/app/manifests/1.0`, { ca: pki.caCert }, {
        headers: {
          Authorization: `Basic ${Buffer.from("alice:alice-secret").toString("base64")}`,
          Accept: "application/vnd.docker.distribution.manifest.v2+json",
        },
      });
      expect(manifest.status).toBe(200);
      expect(manifest.headers["docker-content-digest"]).toBe(pushed.digest);
      expect(manifest.headers["x-content-type-options"]).toBe("nosniff");
      // The registry:2 layout on the volume, written by the berth user.
      const link = join(data, "docker", "registry", "v2", "repositories", "ops", "app", "_manifests", "tags", "1.0", "current", "link");
      expect(readFileSync(link, "utf8")).toBe(pushed.digest);
      expect(statSync(link).uid).toBe(BERTH_UID);

      await docker.docker(["stop", "-t", "20", name]);
      expect(await inspect(name, "{{.State.ExitCode}}")).toBe("0");
    } catch (error) {
      // What the container said explains a failure here (the container is removed afterwards).
      const state = await inspect(name, "{{.State.Status}} exit={{.State.ExitCode}} oom={{.State.OOMKilled}}").catch(() => "unknown");
      throw new Error(`${error instanceof Error ? error.message : String(error)}\ncontainer ${state}; its logs:\n${await containerLogs(docker, name)}`);
    }
  });

  it("keeps registry:2's behaviour (root) when a secret is readable by root only, and says why", async () => {
    const docker = ready();
    const secrets = tempDir("image-secrets-root");
    cleanups.push(() => rmSync(secrets, { recursive: true, force: true }));
    writeFileSync(join(secrets, "htpasswd"), "alice:$2y$05$abcdefghijklmnopqrstuu1z1z1z1z1z1z1z1z1z1z1z1z1z1z1z1z\n", { mode: 0o600 });
    const name = "berth-e2e-root-secrets";
    await docker.docker(["run", "-d", "--name", name, "--network", "none", "--health-interval", "1s", "--health-start-period", "30s", "-v", `${join(secrets, "htpasswd")}:/run/secrets/htpasswd:ro`, IMAGE]);
    cleanups.push(() => docker.docker(["rm", "-f", name]).then(() => undefined, () => undefined));
    await waitForHealth(name, "healthy");
    expect(await processUid(name)).toBe(0);
    const logs = await containerLogs(docker, name);
    expect(logs).toContain("berth: running as root: the berth user (uid 10001) cannot read /run/secrets/htpasswd");
  });
});
