/**
 * A real OpenLDAP server (Debian's slapd) for one test file: a temp folder with a slapd.conf
 * (mdb backend, core/cosine/nis/inetorgperson schemas), the test's tree loaded with slapadd,
 * listening on ldap://127.0.0.1:<free port>. Passwords in the tree are given in clear and
 * stored as {SSHA}. stop() kills it and removes the folder.
 *
 * Options: the memberof overlay (users get memberOf for the groupOfNames groups they are a
 * `member` of — kept by slapd on every online change; slapadd bypasses overlays, so such
 * groups must be added online, see addEntry), and TLS with a given certificate (StartTLS on
 * the ldap:// port, plus an ldaps:// port).
 */
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnLogged } from "./spawn-logged.js";
import { Client } from "ldapts";
import { freePort, requireProgram, tempDir } from "./servers.js";

const SLAPD = "/usr/sbin/slapd";
const SLAPADD = "/usr/sbin/slapadd";

export interface Slapd {
  url: string;
  /** ldaps://127.0.0.1:<port>, with the tls option. */
  ldapsUrl?: string;
  suffix: string;
  rootDn: string;
  rootPassword: string;
  logFile: string;
  stop(): Promise<void>;
}

export interface SlapdOptions {
  /** e.g. "dc=berth,dc=test" */
  suffix: string;
  /** LDIF of the tree below the suffix entry (which the harness adds). */
  ldif: string;
  /** Load the memberof overlay (groupOfNames/member → memberOf on the member). */
  memberOf?: boolean;
  /** PEM paths of the server's certificate and key: StartTLS, and an ldaps:// listener. */
  tls?: { cert: string; key: string };
}

/** {SSHA} as slappasswd makes it: base64(sha1(password + salt) + salt). */
export function sshaPassword(password: string): string {
  const salt = randomBytes(8);
  return `{SSHA}${Buffer.concat([createHash("sha1").update(password).update(salt).digest(), salt]).toString("base64")}`;
}

function config(dir: string, options: SlapdOptions, rootDn: string, rootPassword: string): string {
  return [
    "include /etc/ldap/schema/core.schema",
    "include /etc/ldap/schema/cosine.schema",
    "include /etc/ldap/schema/nis.schema",
    "include /etc/ldap/schema/inetorgperson.schema",
    `pidfile ${join(dir, "slapd.pid")}`,
    `argsfile ${join(dir, "slapd.args")}`,
    ...(options.tls ? [`TLSCertificateFile ${options.tls.cert}`, `TLSCertificateKeyFile ${options.tls.key}`] : []),
    "modulepath /usr/lib/ldap",
    "moduleload back_mdb",
    ...(options.memberOf ? ["moduleload memberof"] : []),
    "database mdb",
    "maxsize 16777216",
    `suffix "${options.suffix}"`,
    `rootdn "${rootDn}"`,
    `rootpw ${sshaPassword(rootPassword)}`,
    `directory ${join(dir, "data")}`,
    "access to attrs=userPassword by self write by anonymous auth by * none",
    "access to * by users read by * none",
    ...(options.memberOf
      ? ["overlay memberof", "memberof-group-oc groupOfNames", "memberof-member-ad member", "memberof-memberof-ad memberOf", "memberof-refint TRUE"]
      : []),
    "",
  ].join("\n");
}

/** Adds one entry as the root DN, online (so overlays such as memberof see it). */
export async function addEntry(slapd: Slapd, dn: string, attributes: Record<string, string | string[]>): Promise<void> {
  const client = new Client({ url: slapd.url });
  try {
    await client.bind(slapd.rootDn, slapd.rootPassword);
    await client.add(dn, attributes);
  } finally {
    await client.unbind();
  }
}

async function waitForBind(url: string, rootDn: string, rootPassword: string, exited: () => boolean, logFile: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  let last = "";
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`slapd exited before it was ready:\n${readFileSync(logFile, "utf8").slice(-2000)}`);
    const client = new Client({ url, timeout: 1000, connectTimeout: 1000 });
    try {
      await client.bind(rootDn, rootPassword);
      await client.unbind();
      return;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`slapd at ${url} not ready: ${last}`);
}

export async function startSlapd(options: SlapdOptions): Promise<Slapd> {
  requireProgram(SLAPD, "slapd");
  requireProgram(SLAPADD, "slapd");
  const dir = tempDir("slapd");
  mkdirSync(join(dir, "data"));
  const rootDn = `cn=admin,${options.suffix}`;
  const rootPassword = randomBytes(12).toString("hex");
  const conf = join(dir, "slapd.conf");
  writeFileSync(conf, config(dir, options, rootDn, rootPassword));
  const top = /^dc=([^,]+)/.exec(options.suffix)?.[1] ?? "test";
  writeFileSync(join(dir, "tree.ldif"), `dn: ${options.suffix}\nobjectClass: dcObject\nobjectClass: organization\ndc: ${top}\no: ${top}\n\n${options.ldif}`);
  execFileSync(SLAPADD, ["-f", conf, "-l", join(dir, "tree.ldif")], { stdio: ["ignore", "pipe", "pipe"] });

  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  const ldapsUrl = options.tls ? `ldaps://127.0.0.1:${await freePort()}` : undefined;
  const logFile = join(dir, "slapd.log");
  // -d keeps it in the foreground (a child we can stop); "stats" logs connections and operations.
  const child = spawnLogged(SLAPD, ["-f", conf, "-h", ldapsUrl ? `${url}/ ${ldapsUrl}/` : `${url}/`, "-d", "stats"], logFile);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForBind(url, rootDn, rootPassword, () => child.exitCode !== null, logFile);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, ...(ldapsUrl ? { ldapsUrl } : {}), suffix: options.suffix, rootDn, rootPassword, logFile, stop };
}
