/**
 * Mutual TLS (http.tls.clientcas) with the real Docker client: dockerd presents the client
 * certificate found in /etc/docker/certs.d/<host:port>/ (client.cert, client.key), as operators
 * set it up. Without one, or with one from another CA, Berth refuses; the softer clientauth
 * modes refuse what registry:2 refuses in them.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDockerd, type Dockerd } from "./harness/dockerd.js";
import { buildImage, imageId, pushImage, removeAllImages, type BuiltImage } from "./harness/images.js";
import { startBerth, type RunningRegistry } from "./harness/servers.js";
import { externalAddress, makePki, tlsRequest, trustInDocker, type TestPki } from "./harness/tls.js";

let pki: TestPki;
let ip: string;
let dockerd: Dockerd | undefined;
let berth: RunningRegistry | undefined;
let untrust: (() => void) | undefined;
let image: BuiltImage;

function ready(): { dockerd: Dockerd; berth: RunningRegistry } {
  if (!dockerd || !berth) throw new Error("setup failed: dockerd or Berth did not start (see the beforeAll error)");
  return { dockerd, berth };
}

async function startWith(clientauth: string): Promise<RunningRegistry> {
  return startBerth({
    listenHost: ip,
    tls: { certificate: pki.serverCert, key: pki.serverKey, probe: { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey } },
    env: { REGISTRY_HTTP_TLS_CLIENTCAS: `[${pki.caCert}]`, REGISTRY_HTTP_TLS_CLIENTAUTH: clientauth },
  });
}

/** The status Berth answers GET /v2/ with, or the connection error. */
async function probe(registry: RunningRegistry, client: "ours" | "stranger" | "none"): Promise<string> {
  const certificate =
    client === "ours" ? { cert: pki.clientCert, key: pki.clientKey } : client === "stranger" ? { cert: pki.otherClientCert, key: pki.otherClientKey } : {};
  try {
    return String((await tlsRequest(`${registry.url}/v2/`, { ca: pki.caCert, ...certificate })).status);
  } catch (error) {
    return `refused: ${error instanceof Error ? error.message : String(error)}`;
  }
}

beforeAll(async () => {
  ip = externalAddress();
  pki = makePki(ip);
  berth = await startWith("require-and-verify-client-cert");
  dockerd = await startDockerd();
  image = await buildImage(dockerd, { tag: "mtls/app:src", layerSizes: [10_000] });
});

afterAll(async () => {
  await dockerd?.stop();
  await berth?.stop();
  untrust?.();
  if (berth) rmSync(berth.root, { recursive: true, force: true });
  pki?.remove();
});

describe("mutual TLS with docker", () => {
  it("refuses docker without a client certificate", async () => {
    const { dockerd, berth } = ready();
    untrust = trustInDocker(berth.host, pki.caCert);
    const ref = `${berth.host}/mtls/app:1`;
    await dockerd.docker(["tag", image.id, ref]);
    await expect(pushImage(dockerd, ref)).rejects.toThrow(/certificate|tls|handshake|EOF|reset/i);
  });

  it("pushes and pulls with the client certificate in certs.d", async () => {
    const { dockerd, berth } = ready();
    untrust?.();
    untrust = trustInDocker(berth.host, pki.caCert, { cert: pki.clientCert, key: pki.clientKey });
    const ref = `${berth.host}/mtls/app:1`;
    await pushImage(dockerd, ref);
    await removeAllImages(dockerd);
    await dockerd.docker(["pull", ref]);
    expect(await imageId(dockerd, ref)).toBe(image.id);
  });

  it("refuses certificates from another CA, and none at all", async () => {
    const { berth } = ready();
    expect(await probe(berth, "ours")).toBe("200");
    expect(await probe(berth, "stranger")).toMatch(/^refused/);
    expect(await probe(berth, "none")).toMatch(/^refused/);
  });
});

describe("the softer clientauth modes", () => {
  const cases: [string, Record<"ours" | "stranger" | "none", RegExp>][] = [
    ["verify-client-cert-if-given", { ours: /^200$/, stranger: /^401$/, none: /^200$/ }],
    ["require-any-client-cert", { ours: /^200$/, stranger: /^200$/, none: /^401$/ }],
    ["request-client-cert", { ours: /^200$/, stranger: /^200$/, none: /^200$/ }],
  ];
  for (const [mode, expected] of cases) {
    it(mode, async () => {
      const registry = await startWith(mode);
      try {
        for (const client of ["ours", "stranger", "none"] as const) expect(await probe(registry, client), `${mode}, ${client}`).toMatch(expected[client]);
      } finally {
        await registry.stop();
        rmSync(registry.root, { recursive: true, force: true });
      }
    });
  }
});
