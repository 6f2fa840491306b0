/**
 * The CLI covers the management API for scripts: users, organizations, teams (and their LDAP
 * group), members, repositories, grants, robot tokens and the audit log, against a database
 * file, acting as an administrator recorded as `cli:<OS user>`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessCommand, CliUsageError } from "./access.js";

let dir: string;
const saved: Record<string, string | undefined> = {};

/** Runs `berth <args>` and answers its exit code and output lines. */
async function berth(args: string, stdin = ""): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await accessCommand(args.split(" "), { stdin: async () => stdin, out: (line) => lines.push(line) });
  return { code, lines };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "berth-cli-"));
  for (const key of ["REGISTRY_DATABASE_PATH", "REGISTRY_AUTH_BERTH_MODE", "REGISTRY_CONFIGURATION_PATH"]) saved[key] = process.env[key];
  process.env.REGISTRY_DATABASE_PATH = join(dir, "berth.sqlite");
  process.env.REGISTRY_AUTH_BERTH_MODE = "token";
  delete process.env.REGISTRY_CONFIGURATION_PATH;
});

afterAll(() => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe("berth user|org|team|repo|grant|robot|audit", () => {
  it("manages users, organizations, teams, members, repositories, grants and robots, as the API does", async () => {
    expect(await berth("user add gordon --password-stdin --role admin", "gordon-password\n")).toEqual({ code: 0, lines: ["created user gordon (role admin)"] });
    expect((await berth("user add ahab --password-stdin", "ahab-password\n")).code).toBe(0);
    expect((await berth("org add engineering")).lines).toEqual(["created organization engineering (with its owners team)"]);
    expect((await berth("team add engineering core")).code).toBe(0);
    expect((await berth("team set engineering core --ldap-group cn=core,ou=groups,dc=example --description builders")).lines).toEqual([
      "updated team engineering/core (LDAP group cn=core,ou=groups,dc=example)",
    ]);
    expect((await berth("team list engineering")).lines).toEqual(["core\tcn=core,ou=groups,dc=example", "owners"]);
    expect((await berth("team set engineering core --ldap-group=")).lines).toEqual(["updated team engineering/core"]);
    expect((await berth("team member add engineering core ahab")).code).toBe(0);
    expect((await berth("team member list engineering core")).lines).toEqual(["ahab"]);
    expect((await berth("repo add engineering/barca --visibility private --description engines")).lines).toEqual(["engineering/barca\tprivate"]);
    expect((await berth("grant engineering/barca core read-write")).lines).toEqual(["core on engineering/barca: read-write"]);
    expect((await berth("grant engineering/barca")).lines).toEqual(["core\tread-write"]);
    const grants = await berth("grant engineering/barca --json");
    expect(JSON.parse(grants.lines.join("\n"))).toEqual([{ org: "engineering", team: "core", repository: "engineering/barca", level: "read-write" }]);
    expect((await berth("grant engineering/barca core none")).code).toBe(0);
    expect((await berth("grant engineering/barca")).lines).toEqual([]);
    expect((await berth("repo list --namespace engineering")).lines).toEqual(["engineering/barca\tprivate"]);
    const robot = await berth("robot add ci --scope namespace:engineering --access push");
    expect(robot.lines[0]).toBe("created robot robot$ci; its secret (shown once):");
    expect(robot.lines[1]).toMatch(/^brt_/);
    expect((await berth("robot revoke ci")).code).toBe(0);
    expect((await berth("robot list")).lines).toEqual(["robot$ci\tnamespace:engineering\tpush\trevoked"]);
  });

  it("shows the audit log, newest first, naming the CLI as the actor and never a password", async () => {
    const audit = await berth("audit --n 3");
    expect(audit.lines).toHaveLength(3);
    expect(audit.lines[0]).toMatch(/^\S+\tcli(:\S+)?\trobot\.revoke\tci$/);
    const all = await berth("audit --json --n 1000");
    const entries = JSON.parse(all.lines.join("\n")) as { action: string; target: string }[];
    expect(entries.map((entry) => `${entry.action} ${entry.target}`)).toEqual(
      expect.arrayContaining(["user.create gordon", "org.create engineering", "team.update engineering/core", "grant.put engineering/barca", "grant.delete engineering/barca"]),
    );
    expect(all.lines.join("\n")).not.toContain("password");
  });

  it("refuses bad usage with the command's usage line, and reports what the API refuses", async () => {
    await expect(berth("audit --n 0")).rejects.toThrow(CliUsageError);
    await expect(berth("grant engineering/barca core")).rejects.toThrow("usage: berth grant REPOSITORY TEAM read-only|read-write|admin|none");
    await expect(berth("team set engineering")).rejects.toThrow("usage: berth team set ORG TEAM");
    expect((await berth("grant engineering/ghost")).code).toBe(1);
    expect((await berth("team set engineering nobody --description x")).code).toBe(1);
  });
});
