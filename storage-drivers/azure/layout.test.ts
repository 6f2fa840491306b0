/**
 * Compatibility with registry:2.8's azure driver, in the container itself: the blob names it
 * uses, and content written its way (append blobs from its writer, block blobs from PutContent)
 * read, listed, continued and moved by Berth's driver.
 */
import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PathNotFoundError } from "../errors.js";
import { azureDriver, expectNothingLeftBehind, parametersFor, rawBlobs, rawContainer, uniqueName, useAzurite } from "./azurite-fixture.js";

const azurite = useAzurite();
const V2 = "/docker/registry/v2";
const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe("azure layout, as registry:2 keeps it", () => {
  it("names blobs by the driver path, leading slash included, when no rootdirectory is set", async () => {
    const server = await azurite();
    const container = uniqueName("names");
    const driver = azureDriver(parametersFor(server, { container }));
    const link = `${V2}/repositories/team/app/_manifests/tags/v1/current/link`;
    await driver.putContent(link, Buffer.from("sha256:abc"));
    const writer = await driver.writer(`${V2}/repositories/team/app/_uploads/u1/data`);
    await writer.write(Buffer.from("bytes"));
    await writer.commit();
    const raw = rawContainer(server, container);
    expect(await rawBlobs(raw, "")).toEqual([
      { name: `${V2}/repositories/team/app/_manifests/tags/v1/current/link`, snapshot: undefined, blobType: "BlockBlob", size: 10 },
      { name: `${V2}/repositories/team/app/_uploads/u1/data`, snapshot: undefined, blobType: "AppendBlob", size: 5 },
    ]);
    expect(await driver.list("/")).toEqual(["/docker"]);
    await expectNothingLeftBehind(driver, raw, "", (path) => path);
    await raw.delete();
  });

  it("puts the rootdirectory in front, without a leading slash, as distribution v3 does", async () => {
    const server = await azurite();
    const container = uniqueName("rooted");
    const raw = rawContainer(server, container);
    const rooted = azureDriver(parametersFor(server, { container, rootdirectory: "/tenant-a/registry" }));
    const bare = azureDriver(parametersFor(server, { container, rootdirectory: "/" }));
    await rooted.putContent(`${V2}/x`, Buffer.from("a"));
    await bare.putContent(`${V2}/x`, Buffer.from("b"));
    expect((await rawBlobs(raw, "")).map((blob) => blob.name)).toEqual(["docker/registry/v2/x", "tenant-a/registry/docker/registry/v2/x"]);
    // Each sees only its own tree.
    expect(await rooted.list("/")).toEqual(["/docker"]);
    expect((await rooted.getContent(`${V2}/x`)).toString()).toBe("a");
    expect(await bare.list("/")).toEqual(["/docker", "/tenant-a"]);
    await raw.delete();
  });

  it("serves and continues what registry:2.8 wrote: append-blob uploads and data, block-blob links", async () => {
    const server = await azurite();
    const container = uniqueName("reg2");
    const raw = rawContainer(server, container);
    await raw.create();
    // registry:2.8's writer: Put Blob (AppendBlob) at open, then Append Block per 4 MiB.
    const layer = randomBytes(9 * 1024 * 1024 + 123);
    const digest = sha256(layer);
    const data = raw.getAppendBlobClient(`${V2}/blobs/sha256/${digest.slice(0, 2)}/${digest}/data`);
    await data.create();
    for (let offset = 0; offset < layer.length; offset += 4 * 1024 * 1024) {
      const piece = layer.subarray(offset, offset + 4 * 1024 * 1024);
      await data.appendBlock(piece, piece.length);
    }
    const layerLink = `${V2}/repositories/library/app/_layers/sha256/${digest}/link`;
    await raw.getBlockBlobClient(layerLink).upload(`sha256:${digest}`, 71);
    const upload = raw.getAppendBlobClient(`${V2}/repositories/library/app/_uploads/0b5c7f6e-1b3d-4c1e-9f7a-2a6c1d2e3f40/data`);
    await upload.create();
    await upload.appendBlock("first chunk|", 12);

    const driver = azureDriver(parametersFor(server, { container }));
    expect((await driver.getContent(layerLink)).toString()).toBe(`sha256:${digest}`);
    const dataPath = `${V2}/blobs/sha256/${digest.slice(0, 2)}/${digest}/data`;
    expect(await driver.stat(dataPath)).toMatchObject({ size: layer.length, isDir: false });
    expect(sha256(await readAll(await driver.reader(dataPath)))).toBe(digest);
    expect((await readAll(await driver.reader(dataPath, 5 * 1024 * 1024))).equals(layer.subarray(5 * 1024 * 1024))).toBe(true);
    expect(await driver.list(`${V2}/repositories/library/app`)).toEqual([`${V2}/repositories/library/app/_layers`, `${V2}/repositories/library/app/_uploads`]);

    // The upload registry:2 began goes on as the append blob it is, so registry:2 could go on with it too.
    const uploadPath = `${V2}/repositories/library/app/_uploads/0b5c7f6e-1b3d-4c1e-9f7a-2a6c1d2e3f40/data`;
    const writer = await driver.writer(uploadPath, { append: true });
    expect(writer.size).toBe(12);
    await writer.write(Buffer.from("second chunk"));
    await writer.commit();
    expect((await upload.downloadToBuffer()).toString()).toBe("first chunk|second chunk");
    expect((await upload.getProperties()).blobType).toBe("AppendBlob");

    // Completing it: a server-side move into blobs/, the source gone.
    const done = `${V2}/blobs/sha256/aa/${"a".repeat(64)}/data`;
    await driver.move(uploadPath, done);
    expect((await driver.getContent(done)).toString()).toBe("first chunk|second chunk");
    await expect(driver.stat(uploadPath)).rejects.toBeInstanceOf(PathNotFoundError);
    await raw.delete();
  });
});
