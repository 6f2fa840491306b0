import request from "supertest";
import { describe, expect, it } from "vitest";
import { pushImage, testRegistry } from "../test-support.js";

describe("storage.maintenance.readonly", () => {
  it("refuses every write with 405 UNSUPPORTED and keeps serving reads", async () => {
    const { app, config } = testRegistry();
    const image = await pushImage(app, "a", "v1");
    config.storage.maintenance.readonly.enabled = true;
    for (const [method, path] of [
      ["post", "/v2/a/blobs/uploads/"],
      ["put", "/v2/a/manifests/v2"],
      ["delete", `/v2/a/manifests/${image.digest}`],
    ] as const) {
      const res = await request(app)[method](path);
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.body.errors[0].code).toBe("UNSUPPORTED");
    }
    await request(app).get("/v2/a/manifests/v1").set("Accept", "application/vnd.oci.image.manifest.v1+json").expect(200);
    expect((await request(app).get("/v2/a/tags/list")).body.tags).toEqual(["v1"]);
  });
});
