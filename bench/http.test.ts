import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpClient, nextLink, withQuery } from "./http.js";

describe("withQuery", () => {
  it("keeps a relative Location relative and its existing parameters", () => {
    expect(withQuery("/v2/a/blobs/uploads/u1?_state=xyz", { digest: "sha256:ab" })).toBe("/v2/a/blobs/uploads/u1?_state=xyz&digest=sha256%3Aab");
  });
  it("keeps an absolute Location absolute", () => {
    expect(withQuery("http://127.0.0.1:5000/v2/a/blobs/uploads/u1", { digest: "sha256:ab" })).toBe(
      "http://127.0.0.1:5000/v2/a/blobs/uploads/u1?digest=sha256%3Aab",
    );
  });
});

describe("nextLink", () => {
  it("finds rel=next with or without quotes, and nothing otherwise", () => {
    expect(nextLink('</v2/_catalog?last=b&n=2>; rel="next"')).toBe("/v2/_catalog?last=b&n=2");
    expect(nextLink("</x>; rel=prev, </y>; rel=next")).toBe("/y");
    expect(nextLink(undefined)).toBeUndefined();
    expect(nextLink('</x>; rel="prev"')).toBeUndefined();
  });
});

describe("HttpClient", () => {
  let server: Server;
  let client: HttpClient;
  beforeAll(async () => {
    server = createServer((req, res) => {
      let bytes = 0;
      req.on("data", (chunk: Buffer) => (bytes += chunk.length));
      req.on("end", () => {
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ bytes, length: req.headers["content-length"] ?? null, encoding: req.headers["transfer-encoding"] ?? null }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    client = new HttpClient(`http://127.0.0.1:${port}`);
  });
  afterAll(async () => {
    client.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it("streams an iterable body with a Content-Length", async () => {
    const body = [Buffer.alloc(1000, 1), Buffer.alloc(24, 2)];
    const response = await client.request("PUT", "/x", { body, headers: { "content-length": 1024 } });
    expect(JSON.parse(response.body.toString())).toEqual({ bytes: 1024, length: "1024", encoding: null });
  });

  it("streams an iterable body chunked when no length is given", async () => {
    const response = await client.request("PATCH", "/x", { body: [Buffer.alloc(10), Buffer.alloc(5)] });
    expect(JSON.parse(response.body.toString())).toEqual({ bytes: 15, length: null, encoding: "chunked" });
  });

  it("hands the response to a sink instead of buffering it", async () => {
    let seen = 0;
    const response = await client.request("GET", "/x", { sink: (chunk) => (seen += chunk.length) });
    expect(response.body.length).toBe(0);
    expect(response.bodyBytes).toBe(seen);
    expect(seen).toBeGreaterThan(0);
  });
});
