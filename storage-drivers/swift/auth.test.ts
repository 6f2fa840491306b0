import { describe, expect, it } from "vitest";
import { authRequest, effectiveVersion, parseAuthAnswer, type Credentials } from "./auth.js";

const base: Credentials = { authUrl: "http://swift:8080/auth/v1.0", username: "test:tester", password: "testing", authVersion: 0, endpointType: "public" };
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const NOW = 1_700_000_000_000;

describe("Swift authentication", () => {
  it("picks the version from the URL when authversion is 0, as registry:2 does", () => {
    expect(effectiveVersion(base)).toBe(1);
    expect(effectiveVersion({ ...base, authUrl: "https://keystone:5000/v2.0" })).toBe(2);
    expect(effectiveVersion({ ...base, authUrl: "https://keystone:5000/v3" })).toBe(3);
    expect(effectiveVersion({ ...base, authUrl: "https://keystone:5000/v3", authVersion: 1 })).toBe(1);
  });

  it("v1: sends X-Auth-User/X-Auth-Key and reads the token, storage URL and lifetime", () => {
    const request = authRequest(base);
    expect(request).toMatchObject({ method: "GET", headers: { "x-auth-user": "test:tester", "x-auth-key": "testing" } });
    expect(request.url.toString()).toBe(base.authUrl);
    const session = parseAuthAnswer(base, { status: 200, headers: { "x-auth-token": "AUTH_tk1", "x-storage-url": "http://swift:8080/v1/AUTH_test/", "x-auth-token-expires": "600" }, body: Buffer.alloc(0) }, NOW);
    expect(session).toEqual({ token: "AUTH_tk1", storageUrl: "http://swift:8080/v1/AUTH_test", obtainedAt: NOW, expiresAt: NOW + 600_000 });
    expect(() => parseAuthAnswer(base, { status: 200, headers: {}, body: Buffer.alloc(0) })).toThrow(/without X-Auth-Token/);
  });

  it("says which user was refused, and never retries that", () => {
    expect(() => parseAuthAnswer(base, { status: 401, headers: {}, body: Buffer.alloc(0) })).toThrow(/refused the credentials of test:tester \(401\)/);
    expect(() => parseAuthAnswer(base, { status: 400, headers: {}, body: Buffer.alloc(0) })).toThrow(/answered 400/);
  });

  it("v2: posts passwordCredentials with the tenant and picks the region's endpoint of the wanted type", () => {
    const credentials: Credentials = { ...base, authUrl: "http://keystone:5000/v2.0", tenant: "project", region: "RegionTwo", endpointType: "internal" };
    const request = authRequest(credentials);
    expect(request.url.toString()).toBe("http://keystone:5000/v2.0/tokens");
    expect(JSON.parse(request.body!.toString())).toEqual({ auth: { passwordCredentials: { username: "test:tester", password: "testing" }, tenantName: "project" } });
    const answer = json({
      access: {
        token: { id: "tok2", expires: "2030-01-01T00:00:00Z" },
        serviceCatalog: [
          { type: "compute", endpoints: [{ region: "RegionTwo", internalURL: "http://nova" }] },
          {
            type: "object-store",
            endpoints: [
              { region: "RegionOne", publicURL: "http://one-public", internalURL: "http://one-internal" },
              { region: "RegionTwo", publicURL: "http://two-public", internalURL: "http://two-internal/v1/AUTH_p" },
            ],
          },
        ],
      },
    });
    expect(parseAuthAnswer(credentials, { status: 200, headers: {}, body: answer }, NOW)).toEqual({
      token: "tok2",
      storageUrl: "http://two-internal/v1/AUTH_p",
      obtainedAt: NOW,
      expiresAt: Date.parse("2030-01-01T00:00:00Z"),
    });
  });

  it("v3: scopes to the project by name in its domain, or by id, or to a trust", () => {
    const credentials: Credentials = { ...base, authUrl: "http://keystone:5000/v3/", tenant: "project", domain: "Users", tenantDomainId: "pd" };
    const request = authRequest(credentials);
    expect(request.url.toString()).toBe("http://keystone:5000/v3/auth/tokens");
    expect(JSON.parse(request.body!.toString())).toEqual({
      auth: {
        identity: { methods: ["password"], password: { user: { name: "test:tester", password: "testing", domain: { name: "Users" } } } },
        scope: { project: { name: "project", domain: { id: "pd" } } },
      },
    });
    const byId = JSON.parse(authRequest({ ...credentials, tenantId: "p1", domainId: "d1" }).body!.toString()) as { auth: Record<string, unknown> };
    expect(byId.auth.scope).toEqual({ project: { id: "p1" } });
    expect((byId.auth.identity as { password: { user: { domain: unknown } } }).password.user.domain).toEqual({ id: "d1" });
    const trust = JSON.parse(authRequest({ ...credentials, trustId: "t1" }).body!.toString()) as { auth: Record<string, unknown> };
    expect(trust.auth.scope).toEqual({ "OS-TRUST:trust": { id: "t1" } });
    const unscoped = JSON.parse(authRequest({ ...base, authUrl: "http://keystone/v3" }).body!.toString()) as { auth: Record<string, unknown> };
    expect(unscoped.auth.scope).toBeUndefined();
    expect((unscoped.auth.identity as { password: { user: { domain: unknown } } }).password.user.domain).toEqual({ id: "default" });
  });

  it("v3: reads X-Subject-Token and the catalog's object-store endpoint for the interface and region", () => {
    const credentials: Credentials = { ...base, authUrl: "http://keystone/v3", region: "r2" };
    const body = json({
      token: {
        expires_at: "2030-01-01T00:00:00.000000Z",
        catalog: [{ type: "object-store", endpoints: [{ interface: "public", region_id: "r1", url: "http://r1" }, { interface: "admin", region_id: "r2", url: "http://r2-admin" }, { interface: "public", region_id: "r2", url: "http://r2/v1/AUTH_p" }] }],
      },
    });
    expect(parseAuthAnswer(credentials, { status: 201, headers: { "x-subject-token": "tok3" }, body }, NOW)).toMatchObject({ token: "tok3", storageUrl: "http://r2/v1/AUTH_p" });
    expect(() => parseAuthAnswer({ ...credentials, region: "r9" }, { status: 201, headers: { "x-subject-token": "tok3" }, body })).toThrow(/no public object-store endpoint in region r9/);
    expect(() => parseAuthAnswer(credentials, { status: 201, headers: {}, body })).toThrow(/without X-Subject-Token/);
    expect(() => parseAuthAnswer(credentials, { status: 201, headers: { "x-subject-token": "t" }, body: Buffer.from("<html>") })).toThrow(/not JSON/);
  });
});
