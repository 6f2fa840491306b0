import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/index.js";
import { plainHttpProblem } from "./plain-http.js";

const htpasswd = { REGISTRY_AUTH_HTPASSWD_REALM: "r", REGISTRY_AUTH_HTPASSWD_PATH: "/p" };

describe("Basic auth over plain HTTP", () => {
  it("is refused on non-loopback addresses unless allowed, and fine on loopback, TLS or unix sockets", () => {
    const problem = (env: Record<string, string>) => plainHttpProblem(loadConfig({ env }));
    expect(problem({ ...htpasswd, REGISTRY_HTTP_ADDR: ":5000" })).toMatch(/auth\.htpasswd.*allowplainhttp/);
    expect(problem({ ...htpasswd, REGISTRY_HTTP_ADDR: "0.0.0.0:5000" })).not.toBeNull();
    expect(problem({ REGISTRY_AUTH_BERTH_MODE: "token", REGISTRY_HTTP_ADDR: "10.1.2.3:5000" })).toMatch(/auth\.berth/);
    expect(problem({ ...htpasswd, REGISTRY_HTTP_ADDR: ":5000", REGISTRY_AUTH_HTPASSWD_ALLOWPLAINHTTP: "true" })).toBeNull();
    expect(problem({ ...htpasswd, REGISTRY_HTTP_ADDR: "127.0.0.1:5000" })).toBeNull();
    expect(problem({ ...htpasswd, REGISTRY_HTTP_ADDR: "'[::1]:5000'" })).toBeNull();
    expect(problem({ ...htpasswd, REGISTRY_HTTP_ADDR: "localhost:5000" })).toBeNull();
    expect(problem({ ...htpasswd, REGISTRY_HTTP_ADDR: ":5000", REGISTRY_HTTP_TLS_CERTIFICATE: "/c", REGISTRY_HTTP_TLS_KEY: "/k" })).toBeNull();
    expect(problem({ REGISTRY_HTTP_ADDR: ":5000" })).toBeNull();
  });
});
