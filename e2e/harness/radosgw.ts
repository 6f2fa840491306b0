/**
 * A real Ceph RADOS Gateway (S3) on loopback, from Debian's packages: one monitor, one OSD on
 * `memstore` (objects in RAM, no disk), auth off (cephx "none"), and radosgw's beast frontend.
 * An S3 user with random keys is made with radosgw-admin. Path-style addressing only (no
 * rgw_dns_name), any SigV4 region.
 *
 * Everything (ceph.conf, monitor store, OSD folder, admin sockets, pid files, logs) lives in one
 * temp folder, and the monitor and gateway get ports from freePort(), so several clusters can run
 * side by side and none leaves anything behind. Every tool is given `-c <folder>/ceph.conf`.
 *
 * A daemon that dies during startup (seen with the OSD) makes the whole cluster start again in
 * a fresh folder, up to ATTEMPTS times.
 */
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { execFile, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnLogged } from "./spawn-logged.js";
import { distinctPorts, requireProgram, tempDir } from "./servers.js";

export interface RunningRadosgw {
  /** e.g. http://127.0.0.1:41234 — the S3 endpoint (path-style). */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** radosgw ignores the SigV4 region; this is the one clients should sign with. */
  region: string;
  /** Where ceph.conf, the monitor's store and every log live. */
  dir: string;
  stop(): Promise<void>;
}

const PROGRAMS: [path: string, debianPackage: string][] = [
  ["/usr/bin/monmaptool", "ceph-base"],
  ["/usr/bin/ceph-mon", "ceph-mon"],
  ["/usr/bin/ceph-osd", "ceph-osd"],
  ["/usr/bin/ceph", "ceph-common"],
  ["/usr/bin/radosgw-admin", "ceph-common"],
  ["/usr/bin/radosgw", "radosgw"],
];
const ATTEMPTS = 3;
const REGION = "us-east-1";
const USER = "berth-test";
/** For each step: mkfs, `ceph osd create`, the first radosgw-admin (which creates rgw's pools), the gateway answering. */
const STEP_TIMEOUT_MS = 120_000;

/** A daemon exited while the cluster was starting: worth another attempt. */
class DaemonDied extends Error {}

/** Starts a fresh single-node Ceph with radosgw; stop() kills every daemon and removes its folder. */
export async function startRadosgw(): Promise<RunningRadosgw> {
  for (const [path, debianPackage] of PROGRAMS) requireProgram(path, debianPackage);
  const failures: string[] = [];
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      return await startCluster();
    } catch (error) {
      if (!(error instanceof DaemonDied)) throw error;
      failures.push(`attempt ${attempt}: ${error.message}`);
    }
  }
  throw new Error(`radosgw did not start in ${ATTEMPTS} attempts:\n${failures.join("\n")}`);
}

async function startCluster(): Promise<RunningRadosgw> {
  const dir = tempDir("radosgw");
  const conf = join(dir, "ceph.conf");
  for (const sub of ["log", "run", "mon", "osd", "rgw", "crash"]) mkdirSync(join(dir, sub));
  const [monPort, rgwPort] = await distinctPorts(2);
  const fsid = randomUUID();
  writeFileSync(conf, cephConf(dir, fsid, monPort!, rgwPort!));

  const daemons: Daemon[] = [];
  const killAll = () => {
    for (const daemon of daemons) daemon.kill();
  };
  process.once("exit", killAll);
  const stop = async () => {
    process.removeListener("exit", killAll);
    await Promise.all(daemons.map((daemon) => daemon.stop()));
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const ceph = (command: string, args: string[]) => runTool(command, ["-c", conf, ...args], daemons);
    await ceph("/usr/bin/monmaptool", ["--create", "--fsid", fsid, "--addv", "a", `[v2:127.0.0.1:${monPort}]`, join(dir, "monmap")]);
    await ceph("/usr/bin/ceph-mon", ["-i", "a", "--mkfs", "--monmap", join(dir, "monmap")]);
    daemons.push(launch("/usr/bin/ceph-mon", ["-c", conf, "-i", "a", "-f"], dir, "mon.a"));

    const osdId = (await ceph("/usr/bin/ceph", ["--connect-timeout", "60", "osd", "create"])).trim();
    if (!/^\d+$/.test(osdId)) throw new Error(`'ceph osd create' answered ${JSON.stringify(osdId)}; logs in ${dir}/log`);
    await ceph("/usr/bin/ceph-osd", ["-i", osdId, "--mkfs"]);
    daemons.push(launch("/usr/bin/ceph-osd", ["-c", conf, "-i", osdId, "-f"], dir, `osd.${osdId}`));

    // Before the gateway starts, so the user and rgw's pools and zone exist when it first answers.
    const accessKey = randomBytes(10).toString("hex").toUpperCase();
    const secretKey = randomBytes(20).toString("base64");
    await ceph("/usr/bin/radosgw-admin", ["-n", "client.rgw", "user", "create", `--uid=${USER}`, `--display-name=${USER}`, `--access-key=${accessKey}`, `--secret-key=${secretKey}`]);
    daemons.push(launch("/usr/bin/radosgw", ["-c", conf, "-n", "client.rgw", "-f"], dir, "client.rgw"));

    const endpoint = `http://127.0.0.1:${rgwPort}`;
    await untilDaemonDies(daemons, waitUntilServing(endpoint, accessKey, secretKey));
    return { endpoint, accessKey, secretKey, region: REGION, dir, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/**
 * One monitor on a v2 port, one memstore OSD, cephx off. The messenger's "secure" mode needs
 * cephx, so every connection uses "crc". Pools get one replica and few placement groups (rgw
 * makes about eight pools; the default 32 each would pass the per-OSD limit). No mgr runs: the
 * gateway does not need one.
 */
function cephConf(dir: string, fsid: string, monPort: number, rgwPort: number): string {
  return `[global]
fsid = ${fsid}
mon host = v2:127.0.0.1:${monPort}
public addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
ms mon service mode = crc
ms mon cluster mode = crc
ms client mode = crc
ms service mode = crc
ms cluster mode = crc
keyring = /dev/null
run dir = ${dir}/run
pid file = ${dir}/run/$name.pid
log file = ${dir}/log/$name.log
crash dir = ${dir}/crash
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
mon data avail crit = 0
mon data avail warn = 0

[mon.a]
mon data = ${dir}/mon
mon cluster log file = ${dir}/log/cluster.log

[osd]
osd data = ${dir}/osd
osd objectstore = memstore
memstore device bytes = ${4 * 1024 ** 3}
osd class load list = *
osd class default list = *

[client.rgw]
rgw data = ${dir}/rgw
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
rgw thread pool size = 32
rgw crypt require ssl = false
`;
}

interface Daemon {
  name: string;
  /** Rejects with DaemonDied when the process exits on its own. */
  died: Promise<never>;
  kill(): void;
  stop(): Promise<void>;
}

function launch(command: string, args: string[], dir: string, name: string): Daemon {
  // setpriv (util-linux) makes the kernel kill the daemon when this process dies, even by a signal
  // that skips the "exit" handler (a test runner ending its worker).
  const child: ChildProcess = spawnLogged("/usr/bin/setpriv", ["--pdeathsig", "KILL", "--", command, ...args], join(dir, "log", `${name}.out`));
  let stopping = false;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const died = new Promise<never>((_, reject) => {
    child.once("error", (error) => reject(new DaemonDied(`${name} could not start: ${error.message}`)));
    child.once("exit", (code, signal) => {
      if (!stopping) reject(new DaemonDied(`${name} exited with ${code ?? signal} during startup:\n${logTail(dir, name)}`));
    });
  });
  died.catch(() => undefined);
  const kill = () => {
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  // SIGKILL: the cluster keeps nothing worth a clean shutdown, and the folder goes next.
  return { name, died, kill, stop: async () => { kill(); if (child.pid !== undefined) await exited; } };
}

function logTail(dir: string, name: string): string {
  const lines: string[] = [];
  for (const file of [`${name}.log`, `${name}.out`]) {
    const path = join(dir, "log", file);
    if (existsSync(path)) lines.push(...readFileSync(path, "utf8").trimEnd().split("\n").slice(-8));
  }
  return lines.map((line) => `  ${line}`).join("\n");
}

/** Resolves with work's result unless one of the daemons dies first. */
function untilDaemonDies<T>(daemons: Daemon[], work: Promise<T>): Promise<T> {
  return Promise.race([work, ...daemons.map((daemon) => daemon.died)]);
}

/** Runs a Ceph tool to completion; a daemon dying meanwhile stops it (it would wait forever). */
async function runTool(command: string, args: string[], daemons: Daemon[]): Promise<string> {
  const abort = new AbortController();
  const result = new Promise<string>((resolve, reject) => {
    execFile(command, args, { signal: abort.signal, timeout: STEP_TIMEOUT_MS, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(" ")} failed (${error.code ?? error.signal ?? "error"}):\n${stderr || stdout}`));
      else resolve(stdout);
    });
  });
  try {
    return await untilDaemonDies(daemons, result);
  } finally {
    abort.abort();
    result.catch(() => undefined);
  }
}

/** Ready when the user can create a bucket and write, read and delete an object in it (the data pool exists then). */
async function waitUntilServing(endpoint: string, accessKey: string, secretKey: string): Promise<void> {
  const client = new S3Client({ endpoint, region: REGION, forcePathStyle: true, credentials: { accessKeyId: accessKey, secretAccessKey: secretKey }, maxAttempts: 1 });
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  let lastProblem = "";
  try {
    for (;;) {
      try {
        await fetch(endpoint);
        break;
      } catch (error) {
        lastProblem = error instanceof Error ? error.message : String(error);
      }
      if (Date.now() > deadline) throw new Error(`radosgw at ${endpoint} not answering after ${STEP_TIMEOUT_MS} ms (${lastProblem})`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const Bucket = `berth-harness-probe-${randomBytes(4).toString("hex")}`;
    try {
      await client.send(new CreateBucketCommand({ Bucket }));
      await client.send(new PutObjectCommand({ Bucket, Key: "probe", Body: "ok" }));
      const got = await client.send(new GetObjectCommand({ Bucket, Key: "probe" }));
      if ((await got.Body?.transformToString()) !== "ok") throw new Error("the probe object read back different bytes");
      await client.send(new DeleteObjectCommand({ Bucket, Key: "probe" }));
      await client.send(new DeleteBucketCommand({ Bucket }));
    } catch (error) {
      throw new Error(`radosgw at ${endpoint} answers but S3 does not work: ${error instanceof Error ? error.message : String(error)}`);
    }
  } finally {
    client.destroy();
  }
}
