/**
 * Docker Trusted Registry's lab scenario, for tests: users gordon (admin), orca (read-write),
 * moby (read-only), ahab (no global role); organization `engineering` with teams `core`
 * (gordon, orca) and `frontend` (gordon, moby, ahab); private repositories engineering/barca
 * (core: read-only) and engineering/madrid (frontend: read-write). Added: a public
 * engineering/docs and ahab's own private ahab/sandbox.
 */
import type { GlobalRole } from "../metadata/access-records.js";

export const LAB_USERS: Record<string, { role: GlobalRole; password: string }> = {
  gordon: { role: "admin", password: "gordon-password" },
  orca: { role: "read-write", password: "orca-password" },
  moby: { role: "read-only", password: "moby-password" },
  ahab: { role: "none", password: "ahab-password" },
};

export const LAB_ORG = "engineering";

export const LAB_TEAMS: Record<string, string[]> = {
  core: ["gordon", "orca"],
  frontend: ["gordon", "moby", "ahab"],
};

export const LAB_REPOSITORIES = [
  { name: "engineering/barca", visibility: "private", grants: { core: "read-only" } },
  { name: "engineering/madrid", visibility: "private", grants: { frontend: "read-write" } },
  { name: "engineering/docs", visibility: "public", grants: {} },
  { name: "ahab/sandbox", visibility: "private", grants: {} },
] as const;

/** A management API call: method, path under /api/v0, JSON body. */
export interface LabCall {
  method: "POST" | "PUT" | "PATCH";
  path: string;
  body?: Record<string, unknown>;
}

/** Everything after gordon exists, as management API calls gordon makes (in order). */
export function labCalls(): LabCall[] {
  const calls: LabCall[] = [];
  for (const [name, user] of Object.entries(LAB_USERS)) {
    if (name !== "gordon") calls.push({ method: "POST", path: "/users", body: { name, password: user.password, role: user.role } });
  }
  calls.push({ method: "POST", path: "/orgs", body: { name: LAB_ORG } });
  for (const [team, members] of Object.entries(LAB_TEAMS)) {
    calls.push({ method: "POST", path: `/orgs/${LAB_ORG}/teams`, body: { name: team } });
    for (const member of members) calls.push({ method: "PUT", path: `/orgs/${LAB_ORG}/teams/${team}/members/${member}` });
  }
  for (const repository of LAB_REPOSITORIES) {
    calls.push({ method: "POST", path: "/repositories", body: { name: repository.name, visibility: repository.visibility } });
    for (const [team, level] of Object.entries(repository.grants)) {
      calls.push({ method: "PUT", path: `/repositories/${repository.name}/_grants/${team}`, body: { level } });
    }
  }
  return calls;
}
