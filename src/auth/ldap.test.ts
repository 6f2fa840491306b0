import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/index.js";
import { escapeFilterValue, ldapRole } from "./ldap.js";
import { securedRegistry } from "./testing.js";

describe("LDAP helpers", () => {
  it("escapes search filter values as RFC 4515 says", () => {
    expect(escapeFilterValue("queequeg")).toBe("queequeg");
    expect(escapeFilterValue("*)(uid=*")).toBe("\\2a\\29\\28uid=\\2a");
    expect(escapeFilterValue("a\\b\u0000")).toBe("a\\5cb\\00");
  });

  it("gives the admin role to the admin group's members and takes it back when they leave", () => {
    const config = loadConfig({ env: { REGISTRY_LDAP_URL: "ldap://x:389", REGISTRY_LDAP_USERBASEDN: "dc=x", REGISTRY_LDAP_ADMINGROUPDN: "cn=admins,dc=x", REGISTRY_LDAP_DEFAULTROLE: "read-only" } });
    if (!config.ldap) throw new Error("no ldap section");
    expect(ldapRole(undefined, false, config.ldap)).toBe("read-only");
    expect(ldapRole(undefined, true, config.ldap)).toBe("admin");
    expect(ldapRole("admin", false, config.ldap)).toBe("read-only");
    // A role set in Berth stays while the user is not an admin.
    expect(ldapRole("read-write", false, config.ldap)).toBe("read-write");
  });

  it("needs auth.berth and names bad keys", async () => {
    await expect(securedRegistry({ REGISTRY_LDAP_URL: "ldap://x:389", REGISTRY_LDAP_USERBASEDN: "dc=x" })).rejects.toThrow("ldap: needs auth.berth");
    expect(() => loadConfig({ env: { REGISTRY_LDAP_URL: "http://x", REGISTRY_LDAP_USERBASEDN: "dc=x" } })).toThrow(/ldap\.url: expected "ldap:\/\/host:port"/);
    expect(() => loadConfig({ env: { REGISTRY_LDAP_URL: "ldap://x" } })).toThrow(/ldap\.userbasedn: required/);
  });
});
