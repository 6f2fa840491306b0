import { describe, expect, it } from "vitest";
import request from "supertest";
import { pushImage, testRegistry } from "../test-support.js";

describe("catalog and tag lists", () => {
  it("paginates the catalog in lexical order with Link headers", async () => {
    const { app } = testRegistry();
    for (const name of ["c/one", "a", "b/x", "b"]) await pushImage(app, name, "latest");
    const first = await request(app).get("/v2/_catalog?n=2").expect(200);
    expect(first.body.repositories).toEqual(["a", "b"]);
    expect(first.headers.link).toBe('</v2/_catalog?n=2&last=b>; rel="next"');
    const second = await request(app).get("/v2/_catalog?n=2&last=b").expect(200);
    expect(second.body.repositories).toEqual(["b/x", "c/one"]);
    expect(second.headers.link).toBeUndefined();
    expect((await request(app).get("/v2/_catalog").expect(200)).body.repositories).toEqual(["a", "b", "b/x", "c/one"]);
  });

  it("paginates tags and answers NAME_UNKNOWN for an unknown repository", async () => {
    const { app } = testRegistry();
    const image = await pushImage(app, "a", "v3");
    for (const tag of ["v1", "v2"]) {
      await request(app).put(`/v2/a/manifests/${tag}`).set("Content-Type", "application/vnd.oci.image.manifest.v1+json").send(image.manifest.toString());
    }
    const page = await request(app).get("/v2/a/tags/list?n=2").expect(200);
    expect(page.body.tags).toEqual(["v1", "v2"]);
    expect(page.headers.link).toBe('</v2/a/tags/list?n=2&last=v2>; rel="next"');
    const unknown = await request(app).get("/v2/nope/tags/list").expect(404);
    expect(unknown.body.errors[0].code).toBe("NAME_UNKNOWN");
  });

  it.each(["-1", "abc", "1000000000000", "1.5"])("refuses n=%s with PAGINATION_NUMBER_INVALID", async (n) => {
    const { app } = testRegistry();
    const res = await request(app).get(`/v2/_catalog?n=${n}`).expect(400);
    expect(res.body.errors[0].code).toBe("PAGINATION_NUMBER_INVALID");
  });
});
