import { describe, expect, it } from "vitest";
import { parseAzureParameters } from "./config.js";

const base = { accountname: "acct", accountkey: "a2V5", container: "registry" };

function problems(parameters: Record<string, unknown>): string {
  try {
    parseAzureParameters(parameters);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected the parameters to be refused");
}

describe("azure driver configuration", () => {
  it("takes registry:2's keys and derives the endpoint from account and realm", () => {
    expect(parseAzureParameters(base)).toEqual({
      connection: { kind: "sharedKey", accountName: "acct", accountKey: "a2V5", serviceUrl: "https://acct.blob.core.windows.net" },
      container: "registry",
      rootdirectory: undefined,
      maxRetries: 5,
      retryDelayMs: 100,
    });
    const china = parseAzureParameters({ ...base, realm: "core.chinacloudapi.cn" });
    expect(china.connection).toMatchObject({ serviceUrl: "https://acct.blob.core.chinacloudapi.cn" });
  });

  it("takes a custom endpoint (Azurite), a root directory and the retry keys", () => {
    const settings = parseAzureParameters({
      ...base,
      serviceurl: "http://127.0.0.1:10000/devstoreaccount1/",
      rootdirectory: "/team/registry",
      max_retries: 2,
      retry_delay: "250ms",
    });
    expect(settings.connection).toMatchObject({ serviceUrl: "http://127.0.0.1:10000/devstoreaccount1" });
    expect(settings).toMatchObject({ rootdirectory: "/team/registry", maxRetries: 2, retryDelayMs: 250 });
    // distribution v3 spells "no retries" -1; an empty rootdirectory means none (registry:2.8's names).
    expect(parseAzureParameters({ ...base, max_retries: -1, rootdirectory: "" })).toMatchObject({ maxRetries: 0, rootdirectory: undefined });
  });

  it("takes a connection string instead of account and key", () => {
    const connectionString = "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.windows.net";
    expect(parseAzureParameters({ connectionstring: connectionString, container: "registry" }).connection).toEqual({
      kind: "connectionString",
      connectionString,
    });
  });

  it("reads numbers given for text keys as their text (YAML and REGISTRY_* values)", () => {
    expect(parseAzureParameters({ ...base, accountname: 1234, container: 555 })).toMatchObject({
      connection: { accountName: "1234" },
      container: "555",
    });
  });

  it("accepts v3's shared_key credentials and false skipverify, and refuses what it cannot honour", () => {
    expect(parseAzureParameters({ ...base, credentials: { type: "shared_key" }, skipverify: false }).container).toBe("registry");
    expect(problems({ ...base, credentials: { type: "client_secret", clientid: "x" } })).toMatch(/^storage\.azure\.credentials\.type: .*shared_key/);
    expect(problems({ ...base, skipverify: true })).toMatch(/^storage\.azure\.skipverify: .*verifies TLS/);
  });

  it("names every missing or bad key", () => {
    expect(problems({})).toBe("storage.azure.container: required");
    expect(problems({ container: "registry" }).split("\n")).toEqual([
      "storage.azure.accountname: required (or give connectionstring)",
      "storage.azure.accountkey: required (or give connectionstring)",
    ]);
    expect(problems({ ...base, container: "Bad_Name" })).toMatch(/^storage\.azure\.container: expected an Azure container name .*"Bad_Name"/);
    expect(problems({ ...base, container: "a--b" })).toMatch(/^storage\.azure\.container: /);
    expect(problems({ ...base, serviceurl: "ftp://host" })).toMatch(/^storage\.azure\.serviceurl: expected an http\(s\) URL/);
    expect(problems({ connectionstring: "AccountName=a", serviceurl: "http://x", container: "registry" })).toMatch(/^storage\.azure\.serviceurl: give the endpoint inside connectionstring/);
    expect(problems({ ...base, retry_delay: "soon" })).toMatch(/^storage\.azure\.retry_delay: expected a duration/);
    expect(problems({ ...base, max_retries: 1.5 })).toMatch(/^storage\.azure\.max_retries: /);
    expect(problems({ ...base, acountkey: "typo" })).toBe("storage.azure.acountkey: unknown key");
  });
});
