/**
 * The `storage.azure` section: registry:2's keys (accountname, accountkey, container, realm),
 * the keys distribution v3 added (rootdirectory, connectionstring, serviceurl, credentials,
 * max_retries, retry_delay), validated once into the settings the driver runs on.
 */
import * as z from "zod";
import { duration, optional, text, withDefault } from "../../src/config/fields.js";
import { formatIssues } from "../../src/config/issues.js";

/** How the driver reaches the account: a shared key (which can also sign redirect URLs) or a connection string. */
export type AzureConnection =
  | { kind: "sharedKey"; serviceUrl: string; accountName: string; accountKey: string }
  | { kind: "connectionString"; connectionString: string };

export interface AzureSettings {
  connection: AzureConnection;
  container: string;
  /** Undefined keeps registry:2.8's blob names (see names.ts). */
  rootdirectory: string | undefined;
  /** Retries after the first attempt of a call that failed transiently. */
  maxRetries: number;
  /** Base of the jittered exponential backoff, in milliseconds. */
  retryDelayMs: number;
}

/** Azure's container rule: 3–63 of lower-case letters, digits and single hyphens, starting and ending with a letter or digit. */
const CONTAINER_NAME = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;

const nonEmpty = text.refine((value) => value.trim() !== "", "expected a non-empty string");

const credentials = z.strictObject({
  type: withDefault(text.refine((value) => value === "shared_key", 'Berth authenticates with a shared key (accountkey) or a connection string: expected "shared_key"'), "shared_key"),
  clientid: optional(text),
  tenantid: optional(text),
  secret: optional(text),
});

const section = z
  .strictObject({
    accountname: optional(nonEmpty),
    accountkey: optional(nonEmpty),
    container: nonEmpty.refine((value) => CONTAINER_NAME.test(value) || value === "$root", {
      error: (issue) => `expected an Azure container name (3-63 of a-z, 0-9 and single hyphens), got ${JSON.stringify(issue.input)}`,
    }),
    realm: withDefault(nonEmpty, "core.windows.net"),
    rootdirectory: optional(text),
    connectionstring: optional(nonEmpty),
    serviceurl: optional(
      nonEmpty.refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), "expected an http(s) URL such as http://127.0.0.1:10000/devstoreaccount1"),
    ),
    credentials: optional(credentials),
    max_retries: withDefault(z.number().int().min(-1), 5),
    retry_delay: withDefault(duration, "100ms"),
    // distribution v3 reads it; Berth verifies TLS always and says so rather than ignoring it.
    skipverify: optional(z.boolean().refine((value) => !value, "Berth always verifies TLS certificates; remove skipverify or set it to false")),
  })
  .superRefine((value, ctx) => {
    if (value.connectionstring !== undefined) {
      if (value.serviceurl !== undefined) {
        ctx.addIssue({ code: "custom", path: ["serviceurl"], message: "give the endpoint inside connectionstring (BlobEndpoint=...), not both" });
      }
      return;
    }
    for (const key of ["accountname", "accountkey"] as const) {
      if (value[key] === undefined) ctx.addIssue({ code: "custom", path: [key], message: "required (or give connectionstring)" });
    }
  });

/** Parses and checks the section; throws an Error naming every bad key as storage.azure.<key>. */
export function parseAzureParameters(parameters: Record<string, unknown>): AzureSettings {
  const result = section.safeParse(parameters);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => ({ ...issue, path: ["storage", "azure", ...issue.path] }));
    throw new Error(formatIssues(issues, new Map()).join("\n"));
  }
  const value = result.data;
  const connection: AzureConnection =
    value.connectionstring !== undefined
      ? { kind: "connectionString", connectionString: value.connectionstring }
      : {
          kind: "sharedKey",
          accountName: value.accountname ?? "",
          accountKey: value.accountkey ?? "",
          serviceUrl: (value.serviceurl ?? `https://${value.accountname}.blob.${value.realm}`).replace(/\/+$/, ""),
        };
  return {
    connection,
    container: value.container,
    rootdirectory: value.rootdirectory === "" ? undefined : value.rootdirectory,
    maxRetries: Math.max(0, value.max_retries),
    retryDelayMs: value.retry_delay,
  };
}
