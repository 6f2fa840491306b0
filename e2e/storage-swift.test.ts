/**
 * The swift driver against a real Swift all-in-one: the shared driver suite (a fresh prefix per
 * test, and nothing at all left in the container afterwards, segments included), registry:2's
 * object layout, large objects written by others (registry:2-style dynamic, static), temp URLs,
 * and Keystone v3 login through a stand-in identity service that hands out real Swift tokens.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StorageDriver } from "../storage-drivers/driver.js";
import { PathNotFoundError } from "../storage-drivers/errors.js";
import { openDriver } from "../storage-drivers/index.js";
import { runDriverSuite } from "../storage-drivers/suite.js";
import { SwiftDriver } from "../storage-drivers/swift/driver.js";
import { parseSwiftConfig } from "../storage-drivers/swift/config.js";
import { inspectSwift, startSwift, type RunningSwift, type SwiftInspector } from "./harness/swift.js";

const CONTAINER = "berth-driver-test";
const MiB = 1024 * 1024;

let swift: RunningSwift;
let inspector: SwiftInspector;

beforeAll(async () => {
  swift = await startSwift();
  inspector = await inspectSwift(swift);
});

afterAll(async () => {
  await swift?.stop();
});

function parameters(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { authurl: swift.authUrl, username: swift.user, password: swift.key, container: CONTAINER, ...extra };
}

async function readAll(driver: StorageDriver, path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await driver.reader(path)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Deletes every top-level path through the driver, then checks the prefix holds no object at all. */
async function expectNothingLeft(driver: StorageDriver, prefix: string): Promise<void> {
  for (const path of await driver.list("/")) await driver.delete(path);
  expect(await inspector.list(CONTAINER, `${prefix}/`)).toEqual([]);
}

// 1 MiB segments, so the suite's larger writes become many-segment large objects.
runDriverSuite("swift", async () => {
  const prefix = `suite-${randomUUID()}`;
  const driver = await openDriver("swift", parameters({ prefix, chunksize: MiB }));
  return { driver, cleanup: () => expectNothingLeft(driver, prefix) };
});

describe("swift driver specifics", () => {
  it("stores objects and segments exactly where registry:2 does, with its manifest header", async () => {
    const prefix = `layout-${randomUUID()}`;
    const driver = await openDriver("swift", parameters({ prefix, chunksize: MiB }));
    await driver.putContent("/docker/registry/v2/repositories/a/_layers/sha256/00/link", Buffer.from("sha256:00"));
    const writer = await driver.writer("/docker/registry/v2/blobs/sha256/ab/abcd/data");
    const content = randomBytes(2 * MiB + 512 * 1024);
    await writer.write(content);
    await writer.commit();

    const objects = await inspector.list(CONTAINER, `${prefix}/`);
    const files = objects.filter((o) => o.name.startsWith(`${prefix}/files/`)).map((o) => o.name);
    expect(files).toEqual([`${prefix}/files/docker/registry/v2/blobs/sha256/ab/abcd/data`, `${prefix}/files/docker/registry/v2/repositories/a/_layers/sha256/00/link`]);
    const manifest = await inspector.head(CONTAINER, `${prefix}/files/docker/registry/v2/blobs/sha256/ab/abcd/data`);
    // registry:2.8's form: hex(path ‖ 32 random bytes ‖ sha1 of nothing), split after 3 characters.
    const pathHex = Buffer.from("/docker/registry/v2/blobs/sha256/ab/abcd/data").toString("hex");
    expect(manifest?.["x-object-manifest"]).toMatch(
      new RegExp(`^${CONTAINER}/${prefix}/segments/${pathHex.slice(0, 3)}/${pathHex.slice(3)}[0-9a-f]{64}da39a3ee5e6b4b0d3255bfef95601890afd80709$`),
    );
    const segmentsPrefix = manifest!["x-object-manifest"]!.slice(CONTAINER.length + 1);
    const segments = objects.filter((o) => o.name.startsWith(`${prefix}/segments/`));
    expect(segments.map((s) => s.name)).toEqual([1, 2, 3].map((n) => `${segmentsPrefix}/${String(n).padStart(16, "0")}`));
    expect(segments.map((s) => s.bytes)).toEqual([MiB, MiB, 512 * 1024]);
    expect((await readAll(driver, "/docker/registry/v2/blobs/sha256/ab/abcd/data")).equals(content)).toBe(true);

    // A prefix is optional; without one, registry:2 writes below "files/" and "segments/".
    const bare = new SwiftDriver(parseSwiftConfig(parameters({ container: `${CONTAINER}-bare` })));
    await bare.putContent("/x", Buffer.from("y"));
    expect(await inspector.list(`${CONTAINER}-bare`)).toEqual([{ name: "files/x", bytes: 1 }]);
    await bare.delete("/x");
    bare.close();
    await expectNothingLeft(driver, prefix);
  });

  it("reads, appends to, moves and deletes a dynamic large object laid out as registry:2 leaves it", async () => {
    const prefix = `r2-${randomUUID()}`;
    const driver = await openDriver("swift", parameters({ prefix, chunksize: MiB }));
    // registry:2 moves a plain file being appended to into segment 0, then numbers from 2.
    const segments = `${prefix}/segments/abc/${"d".repeat(37)}`;
    const parts = [randomBytes(1000), randomBytes(MiB), randomBytes(77)];
    for (const [index, number] of [0, 2, 3].entries()) {
      await inspector.request("PUT", `${CONTAINER}/${segments}/${String(number).padStart(16, "0")}`, { body: parts[index] });
    }
    await inspector.request("PUT", `${CONTAINER}/${prefix}/files/_uploads/u/data`, { headers: { "X-Object-Manifest": `${CONTAINER}/${segments}` }, body: "" });
    const whole = Buffer.concat(parts);
    expect((await driver.stat("/_uploads/u/data")).size).toBe(whole.length);
    expect((await readAll(driver, "/_uploads/u/data")).equals(whole)).toBe(true);

    const writer = await driver.writer("/_uploads/u/data", { append: true });
    expect(writer.size).toBe(whole.length);
    const more = randomBytes(300_000);
    await writer.write(more);
    await writer.commit();
    const names = (await inspector.list(CONTAINER, `${segments}/`)).map((o) => o.name.slice(segments.length + 1));
    expect(names).toEqual(["0000000000000000", "0000000000000002", "0000000000000003", "0000000000000004"]);

    await driver.move("/_uploads/u/data", "/blobs/data");
    await expect(driver.stat("/_uploads/u/data")).rejects.toBeInstanceOf(PathNotFoundError);
    expect((await readAll(driver, "/blobs/data")).equals(Buffer.concat([whole, more]))).toBe(true);
    expect((await inspector.head(CONTAINER, `${prefix}/files/blobs/data`))?.["x-object-manifest"]).toBe(`${CONTAINER}/${segments}`);
    await driver.delete("/blobs");
    expect(await inspector.list(CONTAINER, `${prefix}/`)).toEqual([]);
  });

  it("serves, moves and deletes a static large object, sharing segments on move and releasing them on delete", async () => {
    const prefix = `slo-${randomUUID()}`;
    const driver = await openDriver("swift", parameters({ prefix }));
    const parts = [randomBytes(MiB), randomBytes(4096)];
    const manifest = [];
    for (const [index, part] of parts.entries()) {
      const name = `${prefix}/segments/slo/${index}`;
      await inspector.request("PUT", `${CONTAINER}/${name}`, { body: part });
      manifest.push({ path: `${CONTAINER}/${name}` });
    }
    const put = await inspector.request("PUT", `${CONTAINER}/${prefix}/files/static?multipart-manifest=put`, { body: JSON.stringify(manifest) });
    expect(put.status).toBe(201);
    const whole = Buffer.concat(parts);
    expect((await driver.stat("/static")).size).toBe(whole.length);
    await driver.move("/static", "/moved");
    expect((await inspector.head(CONTAINER, `${prefix}/files/moved`))?.["x-static-large-object"]).toBe("True");
    expect((await readAll(driver, "/moved")).equals(whole)).toBe(true);
    expect(await driver.list("/")).toEqual(["/moved"]);
    await driver.delete("/moved");
    expect(await inspector.list(CONTAINER, `${prefix}/`)).toEqual([]);
  });

  it("replacing a large file releases its old segments; plain content appended to becomes segment 0 without being lost on abort", async () => {
    const prefix = `replace-${randomUUID()}`;
    const driver = await openDriver("swift", parameters({ prefix, chunksize: MiB }));
    const first = await driver.writer("/f");
    await first.write(randomBytes(MiB + 10));
    await first.commit();
    await driver.putContent("/f", Buffer.from("small"));
    expect((await inspector.list(CONTAINER, `${prefix}/segments/`)).length).toBe(0);

    const appending = await driver.writer("/f", { append: true });
    await appending.write(randomBytes(MiB));
    expect((await driver.getContent("/f")).toString()).toBe("small");
    await appending.abort();
    expect((await driver.getContent("/f")).toString()).toBe("small");
    expect((await inspector.list(CONTAINER, `${prefix}/segments/`)).length).toBe(0);

    const again = await driver.writer("/f", { append: true });
    await again.write(Buffer.from(" and more"));
    await again.commit();
    expect((await driver.getContent("/f")).toString()).toBe("small and more");
    await expectNothingLeft(driver, prefix);
  });

  it("hands out temp URLs that a client without a token can GET and HEAD", async () => {
    const prefix = `tempurl-${randomUUID()}`;
    const driver = await openDriver("swift", parameters({ prefix, chunksize: MiB }));
    const content = randomBytes(MiB + 5);
    const writer = await driver.writer("/blob/data");
    await writer.write(content);
    await writer.commit();
    const url = await driver.redirectUrl!("/blob/data", "GET");
    expect(url).toMatch(/temp_url_sig=[0-9a-f]{64}&temp_url_expires=\d+$/);
    const got = await fetch(url!);
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(content)).toBe(true);
    const headUrl = await driver.redirectUrl!("/blob/data", "HEAD");
    expect((await fetch(headUrl!, { method: "HEAD" })).headers.get("content-length")).toBe(String(content.length));
    // The signature covers the object: it does not open another one.
    const other = url!.replace("/blob/data?", "/blob/other?");
    expect((await fetch(other)).status).toBe(401);
    // The key registry:2 would use: stored on the container, as Swift ≥ 2.3 allows.
    expect((await inspector.request("HEAD", CONTAINER)).headers.get("x-container-meta-temp-url-key")).toMatch(/^[0-9a-f]{64}$/);

    const noRedirects = await openDriver("swift", parameters({ prefix, tempurlmethods: "PUT" }));
    expect(await noRedirects.redirectUrl!("/blob/data", "GET")).toBeNull();
    await expectNothingLeft(driver, prefix);
  });

  it("logs in with Keystone v3, choosing the public object-store endpoint of its region from the catalog", async () => {
    const keystone = await startKeystone(swift);
    try {
      const prefix = `keystone-${randomUUID()}`;
      const driver = await openDriver("swift", {
        authurl: `${keystone.url}/v3`,
        username: "tester",
        password: "testing",
        tenant: "test",
        domain: "Default",
        region: "RegionTwo",
        container: CONTAINER,
        prefix,
      });
      await driver.putContent("/k/file", Buffer.from("via keystone"));
      expect((await driver.getContent("/k/file")).toString()).toBe("via keystone");
      expect(keystone.requests).toEqual([
        {
          auth: {
            identity: { methods: ["password"], password: { user: { name: "tester", password: "testing", domain: { name: "Default" } } } },
            scope: { project: { name: "test", domain: { name: "Default" } } },
          },
        },
      ]);
      await expectNothingLeft(driver, prefix);
    } finally {
      await keystone.stop();
    }
  });

  it("reports a refused login as a clear error, and bad configuration before any request", async () => {
    const driver = await openDriver("swift", parameters({ password: "wrong" }));
    await expect(driver.stat("/x")).rejects.toThrow(/refused the credentials of test:tester \(401\)/);
    await expect(openDriver("swift", { ...parameters(), chunksize: 1000 })).rejects.toThrow(/storage\.swift\.chunksize: expected at least 1048576/);
    await expect(openDriver("swift", { ...parameters(), authurll: "x" })).rejects.toThrow(/unknown key\(s\) authurll/);
  });
});

interface Keystone {
  url: string;
  requests: unknown[];
  stop(): Promise<void>;
}

/**
 * A stand-in Keystone v3: checks the password, then answers with a real tempauth token and a
 * catalog whose only usable entry (public, RegionTwo) is the real Swift; the others point nowhere.
 */
async function startKeystone(target: RunningSwift): Promise<Keystone> {
  const requests: unknown[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      if (req.method !== "POST" || req.url !== "/v3/auth/tokens") {
        res.writeHead(404).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { auth?: { identity?: { password?: { user?: { password?: string } } } } };
      requests.push(body);
      if (body.auth?.identity?.password?.user?.password !== "testing") {
        res.writeHead(401).end();
        return;
      }
      const real = await inspectSwift(target);
      const nowhere = "http://127.0.0.1:9/v1/AUTH_test";
      res.writeHead(201, { "content-type": "application/json", "x-subject-token": real.token });
      res.end(
        JSON.stringify({
          token: {
            expires_at: new Date(Date.now() + 3_600_000).toISOString(),
            catalog: [
              { type: "identity", endpoints: [{ interface: "public", region: "RegionTwo", url: nowhere }] },
              {
                type: "object-store",
                endpoints: [
                  { interface: "internal", region: "RegionTwo", url: nowhere },
                  { interface: "public", region: "RegionOne", url: nowhere },
                  { interface: "public", region: "RegionTwo", url: real.storageUrl },
                ],
              },
            ],
          },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
