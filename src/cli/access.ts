/**
 * `berth user|org|team|repo|grant|robot|audit ...`: the management API's operations for scripts,
 * run directly against the metadata database (the server may keep running: SQLite in WAL
 * mode takes both). The CLI acts as an administrator; its audit entries name it
 * `cli:<OS user>`.
 */
import { userInfo } from "node:os";
import { parseArgs } from "node:util";
import { AccessManagement, type NewRobot, type UserChanges } from "../access/management.js";
import { AccessPolicy } from "../access/policy.js";
import type { Authorization } from "../auth/controller.js";
import { parseGoDuration } from "../config/duration.js";
import { loadConfig } from "../config/index.js";
import type { GlobalRole, GrantLevel, Visibility } from "../metadata/access-records.js";
import { openMetadataStore } from "../metadata/open.js";
import { RegistryError } from "../registry/errors.js";

export const ACCESS_COMMANDS = new Set(["user", "org", "team", "repo", "grant", "robot", "audit"]);

export const ACCESS_HELP = `
Users, organizations, teams, repositories, grants and robot tokens (acting as an administrator):
  berth user add NAME --password-stdin [--role none|read-only|read-write|admin] [--full-name TEXT]
  berth user set NAME [--password-stdin] [--role ROLE] [--full-name TEXT] [--active true|false]
  berth user list | berth user delete NAME
  berth org add NAME | berth org list | berth org delete NAME
  berth team add ORG TEAM [--description TEXT] [--ldap-group DN] | berth team list ORG | berth team delete ORG TEAM
  berth team set ORG TEAM [--description TEXT] [--ldap-group DN|""]     ("" unlinks the LDAP group)
  berth team member add|remove ORG TEAM USER | berth team member list ORG TEAM
  berth repo add NAME [--visibility public|private] [--description TEXT]
  berth repo set NAME [--visibility public|private] [--description TEXT] | berth repo list [--namespace NS]
  berth grant REPOSITORY TEAM read-only|read-write|admin|none     (a team of the repository's organization)
  berth grant REPOSITORY                                           (its team grants)
  berth robot add NAME --scope repository:NAME|namespace:NS --access pull|push [--expires 720h]
  berth robot list | berth robot revoke NAME
  berth audit [--n N]                                              (the newest administrative actions)
  Each takes --config FILE (or REGISTRY_CONFIGURATION_PATH) and --json.
`;

const OPTIONS = {
  config: { type: "string" },
  "password-stdin": { type: "boolean" },
  role: { type: "string" },
  "full-name": { type: "string" },
  active: { type: "string" },
  description: { type: "string" },
  "ldap-group": { type: "string" },
  visibility: { type: "string" },
  namespace: { type: "string" },
  scope: { type: "string" },
  access: { type: "string" },
  expires: { type: "string" },
  json: { type: "boolean" },
  n: { type: "string" },
} as const;

type Values = ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true }>>["values"];

export class CliUsageError extends Error {}

interface Io {
  stdin: () => Promise<string>;
  out: (line: string) => void;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** The first line of stdin, without its line break (as `docker login --password-stdin`). */
async function password(io: Io): Promise<string> {
  return (await io.stdin()).replace(/\r?\n$/, "");
}

function cliActor(): Authorization {
  let name = "cli";
  try {
    name = `cli:${userInfo().username}`;
  } catch {
    // no user name known: plain "cli"
  }
  return { principal: { kind: "user", name, role: "admin", source: "managed" }, isAdmin: true, may: async () => true, listable: async () => true };
}

function expect(args: string[], count: number, usage: string): string[] {
  if (args.length !== count) throw new CliUsageError(`usage: berth ${usage}`);
  return args;
}

export async function accessCommand(argv: string[], io: Io = { stdin: readStdin, out: (line) => process.stdout.write(`${line}\n`) }): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const config = loadConfig(values.config === undefined ? {} : { path: values.config });
  const berth = config.auth.berth;
  const metadata = await openMetadataStore(config.database);
  const defaultVisibility = berth?.defaultvisibility ?? "private";
  const policy = new AccessPolicy(metadata, { defaultVisibility, anonymousPull: berth?.anonymous ?? true, createOnPush: async () => true });
  const management = new AccessManagement(metadata, policy, defaultVisibility);
  const print = (value: unknown, text: () => string[]) => {
    if (values.json) io.out(JSON.stringify(value, null, 2));
    else for (const line of text()) io.out(line);
  };
  try {
    await run(positionals, values, { management, actor: cliActor(), io, print });
    return 0;
  } catch (error) {
    if (error instanceof RegistryError) {
      process.stderr.write(`berth: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await metadata.close();
  }
}

interface Context {
  management: AccessManagement;
  actor: Authorization;
  io: Io;
  print: (value: unknown, text: () => string[]) => void;
}

async function run(positionals: string[], values: Values, { management, actor, io, print }: Context): Promise<void> {
  const [noun, verb, ...args] = positionals;
  const whole = noun === "grant" || noun === "audit";
  const key = whole ? noun : noun === "team" && verb === "member" ? `team member ${args[0] ?? ""}` : `${noun} ${verb ?? ""}`;
  const rest = whole ? positionals.slice(1) : noun === "team" && verb === "member" ? args.slice(1) : args;
  switch (key) {
    case "user add": {
      const [name = ""] = expect(rest, 1, "user add NAME --password-stdin [--role ROLE]");
      if (!values["password-stdin"]) throw new CliUsageError("a managed user needs a password: pipe it in with --password-stdin");
      const user = await management.createUser(actor, {
        name,
        password: await password(io),
        ...(values.role !== undefined ? { role: values.role as GlobalRole } : {}),
        ...(values["full-name"] !== undefined ? { fullName: values["full-name"] } : {}),
      });
      print(user, () => [`created user ${user.name} (role ${user.role})`]);
      return;
    }
    case "user set": {
      const [name = ""] = expect(rest, 1, "user set NAME [--password-stdin] [--role ROLE] [--full-name TEXT] [--active true|false]");
      const changes: UserChanges = {};
      if (values["password-stdin"]) changes.password = await password(io);
      if (values.role !== undefined) changes.role = values.role as GlobalRole;
      if (values["full-name"] !== undefined) changes.fullName = values["full-name"];
      if (values.active !== undefined) {
        if (values.active !== "true" && values.active !== "false") throw new CliUsageError("--active takes true or false");
        changes.active = values.active === "true";
      }
      const user = await management.updateUser(actor, name, changes);
      print(user, () => [`updated user ${user.name} (role ${user.role}${user.active ? "" : ", inactive"})`]);
      return;
    }
    case "user list": {
      expect(rest, 0, "user list");
      const users = await management.listUsers(actor, { limit: 100_000 });
      print(users, () => users.map((user) => `${user.name}\t${user.role}\t${user.source}${user.active ? "" : "\tinactive"}`));
      return;
    }
    case "user delete": {
      const [name = ""] = expect(rest, 1, "user delete NAME");
      await management.deleteUser(actor, name);
      print({ deleted: name }, () => [`deleted user ${name}`]);
      return;
    }
    case "org add": {
      const [name = ""] = expect(rest, 1, "org add NAME");
      await management.createOrg(actor, name);
      print({ name }, () => [`created organization ${name} (with its owners team)`]);
      return;
    }
    case "org list": {
      expect(rest, 0, "org list");
      const orgs = await management.listOrgs({ limit: 100_000 });
      print(orgs, () => orgs);
      return;
    }
    case "org delete": {
      const [name = ""] = expect(rest, 1, "org delete NAME");
      await management.deleteOrg(actor, name);
      print({ deleted: name }, () => [`deleted organization ${name}`]);
      return;
    }
    case "team add": {
      const [org = "", team = ""] = expect(rest, 2, "team add ORG TEAM [--description TEXT] [--ldap-group DN]");
      const created = await management.createTeam(actor, org, {
        name: team,
        ...(values.description !== undefined ? { description: values.description } : {}),
        ...(values["ldap-group"] !== undefined ? { ldapGroupDn: values["ldap-group"] } : {}),
      });
      print(created, () => [`created team ${org}/${team}`]);
      return;
    }
    case "team list": {
      const [org = ""] = expect(rest, 1, "team list ORG");
      const { teams } = await management.getOrg(actor, org);
      print(teams, () => teams.map((team) => `${team.name}${team.ldapGroupDn ? `\t${team.ldapGroupDn}` : ""}`));
      return;
    }
    case "team set": {
      const [org = "", team = ""] = expect(rest, 2, "team set ORG TEAM [--description TEXT] [--ldap-group DN]");
      const updated = await management.updateTeam(actor, org, team, {
        ...(values.description !== undefined ? { description: values.description } : {}),
        ...(values["ldap-group"] !== undefined ? { ldapGroupDn: values["ldap-group"] === "" ? null : values["ldap-group"] } : {}),
      });
      print(updated, () => [`updated team ${org}/${team}${updated.ldapGroupDn ? ` (LDAP group ${updated.ldapGroupDn})` : ""}`]);
      return;
    }
    case "team delete": {
      const [org = "", team = ""] = expect(rest, 2, "team delete ORG TEAM");
      await management.deleteTeam(actor, org, team);
      print({ deleted: `${org}/${team}` }, () => [`deleted team ${org}/${team}`]);
      return;
    }
    case "team member add":
    case "team member remove": {
      const [org = "", team = "", user = ""] = expect(rest, 3, `team member ${args[0]} ORG TEAM USER`);
      if (key === "team member add") await management.addMember(actor, org, team, user);
      else await management.removeMember(actor, org, team, user);
      print({ org, team, user }, () => [`${key === "team member add" ? "added" : "removed"} ${user} ${key === "team member add" ? "to" : "from"} ${org}/${team}`]);
      return;
    }
    case "team member list": {
      const [org = "", team = ""] = expect(rest, 2, "team member list ORG TEAM");
      const members = await management.listMembers(actor, org, team);
      print(members, () => members);
      return;
    }
    case "repo add":
    case "repo set": {
      const [name = ""] = expect(rest, 1, `repo ${verb} NAME [--visibility public|private] [--description TEXT]`);
      const settings = {
        ...(values.visibility !== undefined ? { visibility: values.visibility as Visibility } : {}),
        ...(values.description !== undefined ? { description: values.description } : {}),
      };
      const repository = verb === "add" ? await management.createRepository(actor, { name, ...settings }) : await management.updateRepository(actor, name, settings);
      print(repository, () => [`${repository.name}\t${repository.visibility}`]);
      return;
    }
    case "repo list": {
      expect(rest, 0, "repo list [--namespace NS]");
      const repositories = await management.listRepositories(actor, { limit: 1000 }, values.namespace);
      print(repositories, () => repositories.map((repository) => `${repository.name}\t${repository.visibility}`));
      return;
    }
    case "grant": {
      if (rest.length === 1) {
        const grants = await management.listGrants(actor, rest[0] ?? "");
        print(grants, () => grants.map((grant) => `${grant.team}\t${grant.level}`));
        return;
      }
      const [repository = "", team = "", level = ""] = expect(rest, 3, "grant REPOSITORY TEAM read-only|read-write|admin|none");
      if (level === "none") await management.deleteGrant(actor, repository, team);
      else await management.putGrant(actor, repository, team, level as GrantLevel);
      print({ repository, team, level }, () => [`${team} on ${repository}: ${level}`]);
      return;
    }
    case "robot add": {
      const [name = ""] = expect(rest, 1, "robot add NAME --scope repository:NAME|namespace:NS --access pull|push [--expires DURATION]");
      const scope = /^(repository|namespace):(.+)$/.exec(values.scope ?? "");
      if (!scope) throw new CliUsageError("--scope is repository:NAME or namespace:NS");
      if (values.access !== "pull" && values.access !== "push") throw new CliUsageError("--access is pull or push");
      const expires = values.expires === undefined ? undefined : parseGoDuration(values.expires);
      if (values.expires !== undefined && (expires === undefined || expires <= 0)) throw new CliUsageError("--expires is a duration such as 720h");
      const input: NewRobot = {
        name,
        scope: { kind: scope[1] as "repository" | "namespace", name: scope[2] ?? "" },
        access: values.access,
        ...(expires !== undefined ? { expiresIn: Math.ceil(expires / 1000) } : {}),
      };
      const { robot, secret } = await management.createRobot(actor, input);
      print({ robot, secret }, () => [`created robot ${robot.login}; its secret (shown once):`, secret]);
      return;
    }
    case "robot list": {
      expect(rest, 0, "robot list");
      const robots = await management.listRobots(actor);
      print(robots, () => robots.map((robot) => `${robot.login}\t${robot.scope.kind}:${robot.scope.name}\t${robot.access}${robot.revokedAt ? "\trevoked" : ""}`));
      return;
    }
    case "robot revoke": {
      const [name = ""] = expect(rest, 1, "robot revoke NAME");
      await management.revokeRobot(actor, name);
      print({ revoked: name }, () => [`revoked robot ${name}`]);
      return;
    }
    case "audit": {
      expect(rest, 0, "audit [--n N]");
      const n = values.n === undefined ? 100 : Number(values.n);
      if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new CliUsageError("--n is a whole number from 1 to 100000");
      const entries = await management.listAudit(actor, n);
      print(entries, () => entries.map((entry) => `${entry.at}\t${entry.actor}\t${entry.action}\t${entry.target}${entry.detail ? `\t${JSON.stringify(entry.detail)}` : ""}`));
      return;
    }
    default:
      throw new CliUsageError(`unknown command "${positionals.join(" ")}"`);
  }
}
