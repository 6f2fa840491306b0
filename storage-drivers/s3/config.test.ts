import { describe, expect, it } from "vitest";
import { parseS3Parameters } from "./config.js";

const base = { region: "us-east-1", bucket: "registry" };

describe("storage.s3 configuration", () => {
  it("takes registry:2's keys with its defaults", () => {
    expect(parseS3Parameters(base)).toEqual({
      bucket: "registry",
      region: "us-east-1",
      endpoint: undefined,
      forcePathStyle: false,
      credentials: undefined,
      rootPrefix: "",
      encrypt: false,
      keyId: undefined,
      skipVerify: false,
      chunkSize: 10 * 1024 * 1024,
      multipartCopyChunkSize: 32 * 1024 * 1024,
      multipartCopyMaxConcurrency: 100,
      multipartCopyThresholdSize: 32 * 1024 * 1024,
      storageClass: "STANDARD",
      objectAcl: "private",
      userAgent: undefined,
      useDualStack: false,
      accelerate: false,
    });
  });

  it("reads values given as text by REGISTRY_STORAGE_S3_* variables, and keys in any case", () => {
    const settings = parseS3Parameters({
      ...base,
      RegionEndpoint: "127.0.0.1:8080",
      secure: "false",
      forcepathstyle: "true",
      accesskey: "test:tester",
      secretkey: "testing",
      rootdirectory: "/team/registry/",
      chunksize: "5242880",
      encrypt: "true",
      keyid: "key-1",
      storageclass: "NONE",
      objectownership: "true",
    });
    expect(settings).toMatchObject({
      endpoint: "http://127.0.0.1:8080",
      forcePathStyle: true,
      credentials: { accessKeyId: "test:tester", secretAccessKey: "testing" },
      rootPrefix: "team/registry",
      chunkSize: 5 * 1024 * 1024,
      encrypt: true,
      keyId: "key-1",
      storageClass: undefined,
      objectAcl: undefined,
    });
    expect(parseS3Parameters({ ...base, regionendpoint: "https://s3.example.com/" }).endpoint).toBe("https://s3.example.com");
    expect(parseS3Parameters({ ...base, regionendpoint: "minio:9000" }).endpoint).toBe("https://minio:9000");
  });

  it("names every bad key", () => {
    const problems = (parameters: Record<string, unknown>) => {
      try {
        parseS3Parameters(parameters);
        return "";
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(problems({ region: "us-east-1" })).toMatch(/storage\.s3\.bucket: expected a non-empty string/);
    expect(problems({ bucket: "b" })).toMatch(/storage\.s3\.region/);
    expect(problems({ ...base, chunksize: 1024 })).toMatch(/storage\.s3\.chunksize: expected a number of bytes from 5242880 to 5368709120/);
    expect(problems({ ...base, multipartcopythresholdsize: 6 * 1024 ** 3 })).toMatch(/storage\.s3\.multipartcopythresholdsize/);
    expect(problems({ ...base, accesskey: "only-half" })).toMatch(/storage\.s3\.secretkey: give both accesskey and secretkey/);
    expect(problems({ ...base, v4auth: false })).toMatch(/storage\.s3\.v4auth: Berth signs with AWS Signature Version 4 only/);
    expect(problems({ ...base, secure: "maybe" })).toMatch(/storage\.s3\.secure/);
    expect(problems({ ...base, storageclass: "DEEP_FREEZE" })).toMatch(/storage\.s3\.storageclass/);
    expect(problems({ ...base, bukket: "x" })).toMatch(/storage\.s3: unknown key\(s\) bukket/);
  });
});
