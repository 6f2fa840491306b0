/**
 * Benchmark of garbage collection on the filesystem driver: builds a registry:2 layout of
 * N manifests (default 10,000, each with a config and 4 layers, the first from a shared pool:
 * about 50,000 blobs), a fraction of them left without a revision or tag (garbage), copies it,
 * then times `berth garbage-collect --grace 0s` on one copy and registry:2's own
 * `docker-registry garbage-collect` on the other, and checks that both leave the same blobs.
 *
 *   npm run build && node dist/src/gc/bench-gc.js [--manifests 10000] [--garbage 0.2] [--out report.json]
 *
 * For bench/ to pick up (that folder has its own owner): run it as a scenario and report
 * `berth.seconds`, `registry2.seconds`, `blobs`, `deleted` and `sameResult`.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";

const MAIN = resolve(import.meta.dirname, "..", "main.js");
const REGISTRY2 = "/usr/bin/docker-registry";

function sha(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

function write(path: string, content: Buffer | string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

/** Writes the layout under root; returns the number of blobs and how many are garbage. */
function generate(root: string, manifests: number, garbageFraction: number, repositories: number): { blobs: number; garbage: number } {
  const v2 = join(root, "docker", "registry", "v2");
  const blobs = new Set<string>();
  const blob = (content: Buffer | string): string => {
    const hex = sha(content);
    if (!blobs.has(hex)) write(join(v2, "blobs", "sha256", hex.slice(0, 2), hex, "data"), content);
    blobs.add(hex);
    return hex;
  };
  const link = (path: string, hex: string) => write(join(v2, "repositories", path, "link"), `sha256:${hex}`);
  const pool = Array.from({ length: 100 }, () => randomBytes(256));
  let garbage = 0;
  for (let i = 0; i < manifests; i++) {
    const repo = `bench/r${i % repositories}`;
    const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", i }));
    const layers = [pool[i % pool.length] as Buffer, randomBytes(256), randomBytes(256), randomBytes(256)];
    const configHex = blob(config);
    const layerHexes = layers.map(blob);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: `sha256:${configHex}`, size: config.length },
      layers: layers.map((layer, index) => ({ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: `sha256:${layerHexes[index]}`, size: layer.length })),
    });
    const manifestHex = blob(manifest);
    for (const hex of [configHex, ...layerHexes]) link(`${repo}/_layers/sha256/${hex}`, hex);
    if (i / manifests < garbageFraction) {
      garbage += 5; // manifest, config and three own layers: nothing refers to them any more
      continue;
    }
    link(`${repo}/_manifests/revisions/sha256/${manifestHex}`, manifestHex);
    link(`${repo}/_manifests/tags/t${i}/current`, manifestHex);
    link(`${repo}/_manifests/tags/t${i}/index/sha256/${manifestHex}`, manifestHex);
  }
  return { blobs: blobs.size, garbage };
}

function blobList(root: string): string[] {
  const base = join(root, "docker", "registry", "v2", "blobs", "sha256");
  const result: string[] = [];
  for (const prefix of existsSync(base) ? readdirSync(base) : []) {
    for (const hex of readdirSync(join(base, prefix))) if (existsSync(join(base, prefix, hex, "data"))) result.push(hex);
  }
  return result.sort();
}

function main(): void {
  const { values } = parseArgs({
    options: {
      manifests: { type: "string", default: "10000" },
      garbage: { type: "string", default: "0.2" },
      repositories: { type: "string", default: "100" },
      out: { type: "string" },
      keep: { type: "boolean" },
    },
  });
  const manifests = Number(values.manifests);
  const work = mkdtempSync(join(tmpdir(), "berth-bench-gc-"));
  try {
    const berthRoot = join(work, "berth");
    const registryRoot = join(work, "registry2");
    let started = Date.now();
    const generated = generate(berthRoot, manifests, Number(values.garbage), Number(values.repositories));
    execFileSync("cp", ["-a", berthRoot, registryRoot]);
    process.stderr.write(`bench-gc: ${manifests} manifests, ${generated.blobs} blobs (${generated.garbage} garbage) written in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);

    const berthConfig = join(work, "berth.yml");
    writeFileSync(berthConfig, `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${berthRoot}\ndatabase:\n  path: ${join(work, "berth.sqlite")}\n`);
    started = Date.now();
    const berth = spawnSync(process.execPath, [MAIN, "garbage-collect", berthConfig, "--grace", "0s", "--json"], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const berthSeconds = (Date.now() - started) / 1000;
    if (berth.status !== 0) throw new Error(`berth garbage-collect failed:\n${berth.stderr}`);
    const berthRun = JSON.parse(berth.stdout.trim().split("\n").at(-1) ?? "{}") as { summary: Record<string, number> };

    let registry2: { seconds: number; output: string } | null = null;
    if (existsSync(REGISTRY2)) {
      const config = join(work, "registry2.yml");
      writeFileSync(config, `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${registryRoot}\n  delete:\n    enabled: true\n`);
      const env = { ...process.env };
      delete env.AWS_CA_BUNDLE;
      started = Date.now();
      const result = spawnSync(REGISTRY2, ["garbage-collect", config], { encoding: "utf8", env, maxBuffer: 256 * 1024 * 1024 });
      if (result.status !== 0) throw new Error(`docker-registry garbage-collect failed:\n${result.stderr}`);
      registry2 = { seconds: (Date.now() - started) / 1000, output: `${result.stdout}${result.stderr}`.trim().split("\n").filter((line) => /eligible|marked/.test(line)).slice(-1)[0] ?? "" };
    }
    const left = blobList(berthRoot);
    const report = {
      manifests,
      blobs: generated.blobs,
      garbage: generated.garbage,
      berth: { seconds: berthSeconds, deleted: berthRun.summary.blobsDeleted, markMs: berthRun.summary.markMs, sweepMs: berthRun.summary.sweepMs },
      registry2: registry2 && { seconds: registry2.seconds, summary: registry2.output },
      sameResult: registry2 ? JSON.stringify(left) === JSON.stringify(blobList(registryRoot)) : null,
      blobsLeft: left.length,
    };
    const text = JSON.stringify(report, null, 2);
    process.stdout.write(`${text}\n`);
    if (values.out) writeFileSync(values.out, `${text}\n`);
  } finally {
    if (!values.keep) rmSync(work, { recursive: true, force: true });
  }
}

main();
