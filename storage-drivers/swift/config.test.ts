import { describe, expect, it } from "vitest";
import { DEFAULT_CHUNK_SIZE, parseSwiftConfig } from "./config.js";

const minimal = { authurl: "http://127.0.0.1:8080/auth/v1.0", username: "test:tester", password: "testing", container: "registry" };

describe("storage.swift configuration", () => {
  it("takes registry:2's minimal section and fills its defaults", () => {
    const config = parseSwiftConfig(minimal);
    expect(config).toMatchObject({ container: "registry", prefix: "", chunkSize: DEFAULT_CHUNK_SIZE, streamSegments: true, insecureSkipVerify: false });
    expect(config.credentials).toMatchObject({ authUrl: minimal.authurl, username: "test:tester", password: "testing", authVersion: 0, endpointType: "public" });
    expect(config.tempUrlMethods).toBeUndefined();
    expect(config.tempUrlContainerKey).toBeUndefined();
  });

  it("reads every registry:2 key, in any case, with numbers and flags given as text (REGISTRY_STORAGE_SWIFT_*)", () => {
    const config = parseSwiftConfig({
      ...minimal,
      AuthURL: "https://keystone.example:5000/v3",
      authurl: undefined,
      password: 12345,
      tenant: "project",
      tenantid: "abc",
      domain: "Default",
      domainid: "d1",
      tenantdomain: "TD",
      tenantdomainid: "td1",
      trustid: "t1",
      region: "RegionOne",
      prefix: "/team-a",
      chunksize: "5242880",
      authversion: "3",
      endpointtype: "Internal",
      insecureskipverify: "true",
      secretkey: "s3cr3t",
      accesskey: "ak",
      tempurlcontainerkey: "false",
      tempurlmethods: "get, head",
    });
    expect(config.credentials).toEqual({
      authUrl: "https://keystone.example:5000/v3",
      username: "test:tester",
      password: "12345",
      authVersion: 3,
      tenant: "project",
      tenantId: "abc",
      domain: "Default",
      domainId: "d1",
      tenantDomain: "TD",
      tenantDomainId: "td1",
      trustId: "t1",
      region: "RegionOne",
      endpointType: "internal",
    });
    expect(config).toMatchObject({
      prefix: "/team-a",
      chunkSize: 5 * 1024 * 1024,
      insecureSkipVerify: true,
      secretKey: "s3cr3t",
      accessKey: "ak",
      tempUrlContainerKey: false,
      tempUrlMethods: ["GET", "HEAD"],
    });
    expect(parseSwiftConfig({ ...minimal, tempurlmethods: ["PUT"] }).tempUrlMethods).toEqual(["PUT"]);
    expect(parseSwiftConfig({ ...minimal, StreamSegments: "false" }).streamSegments).toBe(false);
  });

  it("names the key of every mistake", () => {
    const problems: [Record<string, unknown>, RegExp][] = [
      [{ ...minimal, authurl: undefined }, /storage\.swift\.authurl: authurl is required/],
      [{ ...minimal, authurl: "ftp://x" }, /storage\.swift\.authurl: expected an http/],
      [{ ...minimal, username: "" }, /storage\.swift\.username: username is required/],
      [{ ...minimal, password: null }, /storage\.swift\.password: password is required/],
      [{ ...minimal, container: "a/b" }, /storage\.swift\.container: a container name cannot hold '\/'/],
      [{ ...minimal, chunksize: 1024 }, /storage\.swift\.chunksize: expected at least 1048576 bytes/],
      [{ ...minimal, chunksize: "lots" }, /storage\.swift\.chunksize/],
      [{ ...minimal, authversion: 4 }, /storage\.swift\.authversion: expected 1, 2 or 3/],
      [{ ...minimal, endpointtype: "private" }, /storage\.swift\.endpointtype/],
      [{ ...minimal, insecureskipverify: "maybe" }, /storage\.swift\.insecureskipverify/],
      [{ ...minimal, streamsegments: "sometimes" }, /storage\.swift\.streamsegments/],
      [{ ...minimal, tempurlmethods: ["FETCH"] }, /storage\.swift\.tempurlmethods\.0/],
      [{ ...minimal, bucket: "x" }, /storage\.swift: unknown key\(s\) bucket/],
    ];
    for (const [parameters, message] of problems) expect(() => parseSwiftConfig(parameters), JSON.stringify(parameters)).toThrow(message);
  });
});
