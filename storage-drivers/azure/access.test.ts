/**
 * Reaching the account: shared key, connection string with a key, connection string with only a
 * SAS token (no redirects then: nothing to sign with), a wrong key; and redirect URLs that let a
 * client GET or HEAD a blob straight from the blob service, and nothing else.
 */
import { AccountSASPermissions, AccountSASResourceTypes, AccountSASServices, generateAccountSASQueryParameters, StorageSharedKeyCredential } from "@azure/storage-blob";
import { describe, expect, it } from "vitest";
import { openDriver } from "../index.js";
import { StorageError, StorageUnavailableError } from "../errors.js";
import { parametersFor, rawContainer, uniqueName, useAzurite } from "./azurite-fixture.js";

const azurite = useAzurite();

describe("azure access", () => {
  it("redirects GET and HEAD to a read-only SAS URL valid for 20 minutes", async () => {
    const server = await azurite();
    const container = uniqueName("redirect");
    const driver = await openDriver("azure", parametersFor(server, { container }));
    await driver.putContent("/docker/registry/v2/blobs/sha256/ab/abc/data", Buffer.from("layer bytes"));
    const url = await driver.redirectUrl?.("/docker/registry/v2/blobs/sha256/ab/abc/data", "GET");
    expect(url).toMatch(new RegExp(`^${server.serviceUrl}/${container}//docker/registry/v2/blobs/sha256/ab/abc/data\\?`));
    const parsed = new URL(url ?? "");
    expect(parsed.searchParams.get("sp")).toBe("r");
    const expires = Date.parse(parsed.searchParams.get("se") ?? "");
    expect(Math.abs(expires - (Date.now() + 20 * 60_000))).toBeLessThan(60_000);

    const got = await fetch(url ?? "");
    expect(got.status).toBe(200);
    expect(await got.text()).toBe("layer bytes");
    const ranged = await fetch(url ?? "", { headers: { range: "bytes=6-10" } });
    expect(await ranged.text()).toBe("bytes");
    const head = await fetch((await driver.redirectUrl?.("/docker/registry/v2/blobs/sha256/ab/abc/data", "HEAD")) ?? "", { method: "HEAD" });
    expect(head.headers.get("content-length")).toBe("11");
    const overwrite = await fetch(url ?? "", { method: "PUT", body: "evil", headers: { "x-ms-blob-type": "BlockBlob" } });
    expect(overwrite.status).toBe(403);
    expect((await driver.getContent("/docker/registry/v2/blobs/sha256/ab/abc/data")).toString()).toBe("layer bytes");
    await rawContainer(server, container).delete();
  });

  it("works from a connection string with the account key, redirects included", async () => {
    const server = await azurite();
    const container = uniqueName("connstr");
    const driver = await openDriver("azure", { connectionstring: server.connectionString, container });
    await driver.putContent("/x", Buffer.from("via connection string"));
    expect((await driver.getContent("/x")).toString()).toBe("via connection string");
    expect(await driver.redirectUrl?.("/x", "GET")).toMatch(/[?&]sig=/);
    await rawContainer(server, container).delete();
  });

  it("works from a SAS-only connection string on an existing container, serving blobs itself", async () => {
    const server = await azurite();
    const container = uniqueName("sas");
    await rawContainer(server, container).create();
    const sas = generateAccountSASQueryParameters(
      {
        expiresOn: new Date(Date.now() + 3_600_000),
        permissions: AccountSASPermissions.parse("rwdlac"),
        resourceTypes: AccountSASResourceTypes.parse("o").toString(), // objects only: creating the container is refused
        services: AccountSASServices.parse("b").toString(),
      },
      new StorageSharedKeyCredential(server.accountName, server.accountKey),
    ).toString();
    const driver = await openDriver("azure", { connectionstring: `BlobEndpoint=${server.serviceUrl};SharedAccessSignature=${sas}`, container });
    await driver.putContent("/docker/x", Buffer.from("via SAS"));
    expect((await driver.getContent("/docker/x")).toString()).toBe("via SAS");
    expect(await driver.redirectUrl?.("/docker/x", "GET")).toBeNull();
    await rawContainer(server, container).delete();
  });

  it("reports a wrong key as a storage error at once, not as an outage", async () => {
    const server = await azurite();
    const driver = await openDriver("azure", parametersFor(server, { container: uniqueName("badkey"), accountkey: Buffer.from("wrong key").toString("base64") }));
    const started = Date.now();
    const failed = driver.putContent("/x", Buffer.from("x"));
    await expect(failed).rejects.toBeInstanceOf(StorageError);
    await expect(failed).rejects.not.toBeInstanceOf(StorageUnavailableError);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
