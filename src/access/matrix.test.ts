/**
 * The access matrix, in process: every caller of the DTR lab × every kind of repository ×
 * pull, push and delete × the /v2 endpoints (manifests, tags, referrers, blobs, uploads,
 * catalog), search and the management API's repository views — with Berth's token service (as docker
 * uses it) and with Basic auth. Allowed answers are checked, and every denial for a private
 * repository must equal the denial for a repository that does not exist.
 */
import type { Express } from "express";
import request from "supertest";
import { beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "../auth/passwords.js";
import { basicAuth, securedRegistry } from "../auth/testing.js";
import { pushImage } from "../test-support.js";
import { LAB_USERS, labCalls } from "./lab-fixture.js";

type Caller = "anonymous" | "gordon" | "orca" | "moby" | "ahab";
type Action = "pull" | "push" | "delete";

const CALLERS: Caller[] = ["anonymous", "gordon", "orca", "moby", "ahab"];
const STORED = ["engineering/barca", "engineering/madrid", "engineering/docs", "ahab/sandbox"];
/** Repositories that do not exist: in an organization, and in ahab's own namespace. */
const MISSING = ["engineering/ghost", "ahab/fresh"];
const REPOSITORIES = [...STORED, ...MISSING];

const ALL: Action[] = ["pull", "push", "delete"];

/** What each caller may do, as DTR 1.4 decides it. */
const EXPECTED: Record<Caller, Record<string, Action[]>> = {
  gordon: Object.fromEntries(REPOSITORIES.map((name) => [name, ALL])),
  orca: Object.fromEntries(REPOSITORIES.map((name) => [name, ALL])),
  moby: {
    "engineering/barca": ["pull"],
    "engineering/madrid": ALL,
    "engineering/docs": ["pull"],
    "ahab/sandbox": ["pull"],
    "engineering/ghost": ["pull"],
    "ahab/fresh": ["pull"],
  },
  ahab: {
    "engineering/barca": [],
    "engineering/madrid": ALL,
    "engineering/docs": ["pull"],
    "ahab/sandbox": ALL,
    "engineering/ghost": [],
    "ahab/fresh": ALL,
  },
  anonymous: {
    "engineering/barca": [],
    "engineering/madrid": [],
    "engineering/docs": ["pull"],
    "ahab/sandbox": [],
    "engineering/ghost": [],
    "ahab/fresh": [],
  },
};

const ACCEPT = "application/vnd.oci.image.manifest.v1+json";
const UNKNOWN_DIGEST = `sha256:${"0".repeat(64)}`;

interface Probe {
  action: Action;
  label: string;
  method: "get" | "head" | "post" | "delete";
  path: (repository: string) => string;
  /** Status when allowed, for a stored repository and for a missing one. */
  stored: number;
  missing: number;
}

let manifestDigest = "";
let layerDigest = "";

const PROBES: Probe[] = [
  { action: "pull", label: "GET manifest", method: "get", path: (r) => `/v2/${r}/manifests/latest`, stored: 200, missing: 404 },
  { action: "pull", label: "HEAD manifest", method: "head", path: (r) => `/v2/${r}/manifests/latest`, stored: 200, missing: 404 },
  { action: "pull", label: "GET tags/list", method: "get", path: (r) => `/v2/${r}/tags/list`, stored: 200, missing: 404 },
  { action: "pull", label: "GET referrers", method: "get", path: (r) => `/v2/${r}/referrers/${manifestDigest}`, stored: 200, missing: 200 },
  { action: "pull", label: "GET blob", method: "get", path: (r) => `/v2/${r}/blobs/${layerDigest}`, stored: 200, missing: 404 },
  { action: "push", label: "POST upload", method: "post", path: (r) => `/v2/${r}/blobs/uploads/`, stored: 202, missing: 202 },
  { action: "delete", label: "DELETE manifest", method: "delete", path: (r) => `/v2/${r}/manifests/${UNKNOWN_DIGEST}`, stored: 404, missing: 404 },
];

const WANTED: Record<Action, string> = { pull: "pull", push: "pull,push", delete: "delete" };

interface Answer {
  status: number;
  body: unknown;
  challenge: string | undefined;
}

/** An answer with the repository's name replaced, to compare denials across repositories. */
function anonymized(answer: Answer, repository: string): string {
  return JSON.stringify(answer).split(repository).join("<repository>");
}

async function setUp(mode: "token" | "basic"): Promise<Express> {
  // A fixed realm: supertest listens on a new port for every request.
  const realm = mode === "token" ? "https://registry.test/auth/token" : "Berth";
  const { app, open, metadata } = await securedRegistry({ REGISTRY_AUTH_BERTH_MODE: mode, REGISTRY_AUTH_BERTH_REALM: realm });
  await metadata.access.createUser({
    name: "gordon",
    passwordHash: await hashPassword(LAB_USERS.gordon?.password ?? ""),
    role: "admin",
    source: "managed",
    fullName: "Gordon",
    active: true,
    createdAt: new Date().toISOString(),
  });
  const gordon = basicAuth("gordon", LAB_USERS.gordon?.password ?? "");
  for (const call of labCalls()) {
    const res = await request(app)[call.method === "POST" ? "post" : call.method === "PUT" ? "put" : "patch"](`/api/v0${call.path}`)
      .set("Authorization", gordon)
      .send(call.body ?? {});
    expect(res.status, `${call.method} ${call.path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  }
  for (const repository of STORED) {
    const image = await pushImage(open, repository, "latest", { layer: "shared layer" });
    manifestDigest = image.digest;
    layerDigest = image.layer;
  }
  return app;
}

function credentialsOf(caller: Caller): string | undefined {
  return caller === "anonymous" ? undefined : basicAuth(caller, LAB_USERS[caller]?.password ?? "");
}

async function tokenFor(app: Express, caller: Caller, scope: string): Promise<string> {
  const req = request(app).get("/auth/token").query({ service: "berth", scope });
  const credentials = credentialsOf(caller);
  const res = await (credentials ? req.set("Authorization", credentials) : req);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.token as string;
}

async function ask(app: Express, mode: "token" | "basic", caller: Caller, probe: Probe, repository: string): Promise<Answer> {
  let authorization = credentialsOf(caller);
  if (mode === "token") authorization = `Bearer ${await tokenFor(app, caller, `repository:${repository}:${WANTED[probe.action]}`)}`;
  const req = request(app)[probe.method](probe.path(repository)).set("Accept", ACCEPT);
  const res = await (authorization ? req.set("Authorization", authorization) : req);
  return { status: res.status, body: res.body, challenge: res.headers["www-authenticate"] };
}

async function catalogOf(app: Express, mode: "token" | "basic", caller: Caller): Promise<string[]> {
  let authorization = credentialsOf(caller);
  if (mode === "token") authorization = `Bearer ${await tokenFor(app, caller, "registry:catalog:*")}`;
  const req = request(app).get("/v2/_catalog");
  const res = await (authorization ? req.set("Authorization", authorization) : req);
  expect(res.status).toBe(200);
  return res.body.repositories as string[];
}

for (const mode of ["token", "basic"] as const) {
  describe(`the access matrix (${mode === "token" ? "Berth's token service" : "Basic auth"})`, () => {
    let app: Express;
    beforeAll(async () => {
      app = await setUp(mode);
    });

    for (const caller of CALLERS) {
      for (const probe of PROBES) {
        it(`${caller}: ${probe.label}`, async () => {
          const denials = new Map<string, string>();
          for (const repository of REPOSITORIES) {
            const answer = await ask(app, mode, caller, probe, repository);
            const allowed = EXPECTED[caller][repository]?.includes(probe.action) ?? false;
            const where = `${caller} ${probe.label} ${repository}: ${JSON.stringify(answer)}`;
            if (allowed) {
              expect(answer.status, where).toBe(STORED.includes(repository) ? probe.stored : probe.missing);
              continue;
            }
            if (mode === "token" || caller === "anonymous") {
              expect(answer.status, where).toBe(401);
              expect(answer.challenge, where).toMatch(mode === "token" ? /^Bearer realm="[^"]+",service="berth",scope="repository:/ : /^Basic realm=/);
            } else {
              expect(answer.status, where).toBe(403);
            }
            if (probe.method !== "head") expect(JSON.stringify(answer.body), where).toMatch(mode === "basic" && caller !== "anonymous" ? /"DENIED"/ : /"UNAUTHORIZED"/);
            denials.set(repository, anonymized(answer, repository));
          }
          // A private repository is denied exactly as one that does not exist.
          const missing = MISSING.map((name) => denials.get(name)).find((denial) => denial !== undefined);
          for (const [repository, denial] of denials) {
            if (missing !== undefined) expect(denial, `${caller} ${probe.label} ${repository}`).toBe(missing);
          }
        });
      }

      it(`${caller}: the catalog shows exactly what they may pull`, async () => {
        const expected = STORED.filter((name) => EXPECTED[caller][name]?.includes("pull")).sort();
        expect(await catalogOf(app, mode, caller)).toEqual(expected);
      });

      it(`${caller}: search (/api/v0/search, and docker's /v1/search) finds exactly what they may pull`, async () => {
        const expected = STORED.filter((name) => EXPECTED[caller][name]?.includes("pull")).sort();
        let authorization = credentialsOf(caller);
        const api = request(app).get("/api/v0/search").query({ q: "", limit: "100" });
        const found = await (authorization ? api.set("Authorization", authorization) : api);
        expect(found.status).toBe(200);
        expect((found.body.results as { name: string }[]).map((entry) => entry.name).sort()).toEqual(expected);
        // dockerd logged in with the token service presents a token for registry:catalog:search.
        if (mode === "token" && caller !== "anonymous") authorization = `Bearer ${await tokenFor(app, caller, "registry:catalog:search")}`;
        const v1 = request(app).get("/v1/search").query({ q: "", n: "100" });
        const docker = await (authorization ? v1.set("Authorization", authorization) : v1);
        expect(docker.status).toBe(200);
        expect((docker.body.results as { name: string }[]).map((entry) => entry.name).sort()).toEqual(expected);
        expect(docker.body.num_results).toBe(expected.length);
      });

      it(`${caller}: the management API lists and shows exactly what they may pull`, async () => {
        const credentials = credentialsOf(caller);
        const list = request(app).get("/api/v0/repositories");
        const listed = await (credentials ? list.set("Authorization", credentials) : list);
        expect(listed.status).toBe(200);
        const expected = STORED.filter((name) => EXPECTED[caller][name]?.includes("pull")).sort();
        expect((listed.body.repositories as { name: string }[]).map((entry) => entry.name)).toEqual(expected);
        const shown = async (name: string) => {
          const req = request(app).get(`/api/v0/repositories/${name}`);
          const res = await (credentials ? req.set("Authorization", credentials) : req);
          return { status: res.status, body: anonymized({ status: res.status, body: res.body, challenge: undefined }, name) };
        };
        const ghost = await shown("engineering/ghost");
        expect(ghost.status).toBe(404);
        for (const name of STORED) {
          const answer = await shown(name);
          if (EXPECTED[caller][name]?.includes("pull")) expect(answer.status).toBe(200);
          else expect(answer.body, `${caller} sees ${name}`).toBe(ghost.body);
        }
      });
    }

    if (mode === "token") {
      it("grants in a token only what the caller may do, a missing repository like a private one", async () => {
        const granted = async (caller: Caller, scope: string) => {
          const credentials = credentialsOf(caller);
          const req = request(app).get("/auth/token").query({ service: "berth", scope });
          const res = await (credentials ? req.set("Authorization", credentials) : req);
          return res.body.scope as string;
        };
        expect(await granted("ahab", "repository:engineering/madrid:pull,push,delete")).toBe("repository:engineering/madrid:pull,push,delete");
        expect(await granted("ahab", "repository:engineering/barca:pull,push")).toBe("");
        expect(await granted("ahab", "repository:engineering/ghost:pull,push")).toBe("");
        expect(await granted("moby", "repository:engineering/barca:*")).toBe("repository:engineering/barca:pull");
        expect(await granted("anonymous", "repository:engineering/docs:pull,push")).toBe("repository:engineering/docs:pull");
        expect(await granted("orca", "registry:admin:* registry:catalog:*")).toBe("registry:catalog:*");
        expect(await granted("gordon", "registry:admin:*")).toBe("registry:admin:*");
      });
    }

    it("mounts a blob only from a repository the caller may pull", async () => {
      const credentials = credentialsOf("ahab");
      const post = async (from: string) => {
        let authorization = credentials;
        if (mode === "token") {
          authorization = `Bearer ${await tokenFor(app, "ahab", `repository:ahab/mounted:pull,push repository:${from}:pull`)}`;
        }
        return request(app).post(`/v2/ahab/mounted/blobs/uploads/?mount=${layerDigest}&from=${from}`).set("Authorization", authorization ?? "");
      };
      expect((await post("engineering/madrid")).status).toBe(201);
      // Not readable for ahab: no mount, a plain upload session instead (as for a blob the source lacks).
      expect((await post("engineering/barca")).status).toBe(202);
    });
  });
}
