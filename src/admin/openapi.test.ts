import request from "supertest";
import { beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "../auth/passwords.js";
import { basicAuth, securedRegistry } from "../auth/testing.js";
import { documentedOperations, openApiDocument } from "./openapi.js";

/** Concrete values for the documented path templates. */
const VALUES: Record<string, string> = { name: "engineering/app", org: "engineering", team: "core", user: "nobody", robot: "ci" };
// (not "gordon": the loop sends DELETE /users/{user}, and gordon must stay to authenticate every call)

describe("the management API's OpenAPI document", () => {
  let app: Awaited<ReturnType<typeof securedRegistry>>["app"];
  const admin = basicAuth("gordon", "gordon-password");

  beforeAll(async () => {
    const registry = await securedRegistry({ REGISTRY_AUTH_BERTH_MODE: "basic" });
    app = registry.app;
    await registry.metadata.access.createUser({
      name: "gordon", passwordHash: await hashPassword("gordon-password"), role: "admin", source: "managed", fullName: "", active: true, createdAt: "",
    });
  });

  it("is served at /api/v0/openapi.json without credentials", async () => {
    const res = await request(app).get("/api/v0/openapi.json").expect(200);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(res.body.servers[0].url).toMatch(/\/api\/v0$/);
    expect(Object.keys(res.body.paths).length).toBeGreaterThan(15);
    expect(res.body.paths["/search"].get.parameters.map((parameter: { name: string }) => parameter.name)).toEqual(["q", "limit", "offset"]);
  });

  it("documents only routes that exist: each operation reaches a handler, not the 404 for unknown endpoints", async () => {
    for (const operation of documentedOperations()) {
      const [method = "", template = ""] = operation.split(" ");
      const path = template.replace(/\{(\w+)\}/g, (_match, key: string) => VALUES[key] ?? key);
      const res = await request(app)[method.toLowerCase() as "get"](`/api/v0${path}`).set("Authorization", admin).send({});
      expect(res.body?.errors?.[0]?.message, `${operation} → ${res.status} ${JSON.stringify(res.body)}`).not.toBe("no such API endpoint");
      expect([401, 405], operation).not.toContain(res.status);
    }
  });

  it("refers only to schemas it defines", () => {
    const document = openApiDocument("http://x/api/v0");
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((match) => match[1]);
    const schemas = (document.components as { schemas: Record<string, unknown> }).schemas;
    for (const name of refs) expect(schemas, `schema ${name}`).toHaveProperty(name ?? "");
  });
});
