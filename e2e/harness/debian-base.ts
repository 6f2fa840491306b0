/**
 * Minimal Debian base images for building Berth's Dockerfile without pulling anything:
 * debootstrap (minbase) from Debian's mirror with Debian's nodejs, turned into images with
 * `docker import`. Two of them, as the Dockerfile's two stages want:
 *   runtime: nodejs + ca-certificates                       (BASE)
 *   build:   runtime + python3, make, g++, Node's headers, npm (BUILD_BASE)
 * Debian 13 (trixie) because Berth needs Node >= 20.19 and bookworm ships 18.
 *
 * The root file systems are cached as tarballs under the temp dir, keyed by suite, mirror
 * and package lists, so later test runs on the same machine (one CI run) skip debootstrap.
 */
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Dockerd } from "./dockerd.js";
import { run } from "./run.js";
import { requireProgram } from "./servers.js";

const SUITE = "trixie";
const MIRROR = process.env.BERTH_DEBIAN_MIRROR ?? "http://deb.debian.org/debian";
const RUNTIME_PACKAGES = ["nodejs", "ca-certificates"];
const BUILD_PACKAGES = ["python3", "make", "g++", "libnode-dev"];
/** Where the build image finds this machine's CA bundle (the npm registry may be reached through a TLS proxy). */
const BUILD_CA_PATH = "/usr/local/share/berth-build-ca.pem";

export interface DebianBases {
  runtime: string;
  build: string;
  /** Whether the root file systems came from the cache. */
  cached: boolean;
}

/** The npm that runs these tests, copied into the build image (Debian's own npm is a tangle of packages). */
function hostNpmDir(): string {
  const cli = realpathSync("/usr/bin/npm");
  return dirname(dirname(cli));
}

function cacheKey(): string {
  const npmVersion = (JSON.parse(readFileSync(join(hostNpmDir(), "package.json"), "utf8")) as { version: string }).version;
  return createHash("sha256")
    .update(JSON.stringify({ SUITE, MIRROR, RUNTIME_PACKAGES, BUILD_PACKAGES, npmVersion, layout: 1 }))
    .digest("hex")
    .slice(0, 16);
}

/** Leaves out what an image does not need: downloaded packages, package lists, docs, translations. */
function slim(rootfs: string): void {
  for (const path of ["var/cache/apt/archives", "var/lib/apt/lists", "usr/share/doc", "usr/share/man", "usr/share/locale", "usr/share/info"]) {
    rmSync(join(rootfs, path), { recursive: true, force: true });
    mkdirSync(join(rootfs, path), { recursive: true });
  }
}

async function tarInto(rootfs: string, tarball: string): Promise<void> {
  await run("tar", ["--numeric-owner", "-C", rootfs, "-cf", `${tarball}.partial`, "."]);
  renameSync(`${tarball}.partial`, tarball);
}

async function makeRootfsTarballs(dir: string, log: (line: string) => void): Promise<void> {
  requireProgram("/usr/sbin/debootstrap", "debootstrap");
  const work = join(dir, "work");
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const runtime = join(work, "runtime");
  const build = join(work, "build");
  try {
    log(`debootstrap ${SUITE} (${RUNTIME_PACKAGES.join(", ")}) from ${MIRROR}`);
    await run("/usr/sbin/debootstrap", ["--variant=minbase", `--include=${RUNTIME_PACKAGES.join(",")}`, SUITE, runtime, MIRROR]);
    await run("cp", ["-a", runtime, build]); // device nodes and owners included
    slim(runtime);
    await tarInto(runtime, join(dir, "runtime.tar"));

    log(`build image: apt-get install ${BUILD_PACKAGES.join(" ")}, npm from this machine`);
    cpSync("/etc/resolv.conf", join(build, "etc", "resolv.conf"));
    await run("chroot", [build, "sh", "-c", `apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ${BUILD_PACKAGES.join(" ")}`]);
    const npmTarget = join(build, "usr", "local", "lib", "node_modules", "npm");
    mkdirSync(dirname(npmTarget), { recursive: true });
    await run("cp", ["-a", hostNpmDir(), npmTarget]);
    mkdirSync(join(build, "usr", "local", "bin"), { recursive: true });
    symlinkSync("../lib/node_modules/npm/bin/npm-cli.js", join(build, "usr", "local", "bin", "npm"));
    symlinkSync("../lib/node_modules/npm/bin/npx-cli.js", join(build, "usr", "local", "bin", "npx"));
    cpSync("/etc/ssl/certs/ca-certificates.crt", join(build, BUILD_CA_PATH));
    slim(build);
    await tarInto(build, join(dir, "build.tar"));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Builds (or takes from the cache) both root file systems and imports them into `dockerd`. */
export async function debianBaseImages(dockerd: Dockerd, log: (line: string) => void = () => undefined): Promise<DebianBases> {
  if (process.getuid?.() !== 0) throw new Error("debootstrap needs root: run the e2e tests as root (CI does)");
  const key = cacheKey();
  const dir = join(tmpdir(), "berth-debian-base", key);
  mkdirSync(dir, { recursive: true });
  const cached = existsSync(join(dir, "runtime.tar")) && existsSync(join(dir, "build.tar"));
  if (!cached) await makeRootfsTarballs(dir, log);
  writeFileSync(join(dir, "last-used"), new Date().toISOString());

  const runtime = `berth-test/debian-runtime:${key}`;
  const build = `berth-test/debian-build:${key}`;
  await dockerd.docker(["import", join(dir, "runtime.tar"), runtime]);
  await dockerd.docker([
    "import",
    "--change", `ENV NODE_EXTRA_CA_CERTS=${BUILD_CA_PATH}`,
    // node-gyp finds Node's headers (libnode-dev) here instead of downloading them.
    "--change", "ENV npm_config_nodedir=/usr",
    join(dir, "build.tar"),
    build,
  ]);
  return { runtime, build, cached };
}
