import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/index.js";
import { InvalidCredentialsError } from "ldapts";
import { describeLdapFailure } from "./ldap-errors.js";
import { escapeFilterValue, ldapRole, LdapDirectory } from "./ldap.js";
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

  it("reads ldap.tls.ca at start, naming the key when it cannot", () => {
    const config = loadConfig({ env: { REGISTRY_LDAP_URL: "ldaps://x:636", REGISTRY_LDAP_USERBASEDN: "dc=x", REGISTRY_LDAP_TLS_CA: "/nonexistent/ldap-ca.pem" } });
    if (!config.ldap) throw new Error("no ldap section");
    const ldap = config.ldap;
    expect(() => new LdapDirectory(ldap)).toThrow(/^ldap\.tls\.ca: cannot read \/nonexistent\/ldap-ca\.pem: ENOENT/);
  });

  it("says what went wrong with the directory in words an operator can act on", () => {
    const tlsError = (code: string) => Object.assign(new Error("self-signed certificate in certificate chain"), { code });
    expect(describeLdapFailure(tlsError("SELF_SIGNED_CERT_IN_CHAIN"), "ldaps://x:636")).toBe(
      "the certificate of the LDAP server ldaps://x:636 is not trusted (self-signed certificate in certificate chain): set ldap.tls.ca to the PEM file of the CA that signed it",
    );
    expect(describeLdapFailure(tlsError("ERR_TLS_CERT_ALTNAME_INVALID"), "ldaps://x:636")).toMatch(/does not name the host of ldap\.url/);
    expect(describeLdapFailure(new InvalidCredentialsError("bad"), "ldap://x:389")).toMatch(/refused the search user \(ldap\.binddn, ldap\.bindpassword\)/);
    expect(describeLdapFailure(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }), "ldap://x:389")).toBe("LDAP server ldap://x:389: connect ECONNREFUSED 127.0.0.1:1");
  });

  it("needs auth.berth and names bad keys", async () => {
    await expect(securedRegistry({ REGISTRY_LDAP_URL: "ldap://x:389", REGISTRY_LDAP_USERBASEDN: "dc=x" })).rejects.toThrow("ldap: needs auth.berth");
    expect(() => loadConfig({ env: { REGISTRY_LDAP_URL: "http://x", REGISTRY_LDAP_USERBASEDN: "dc=x" } })).toThrow(/ldap\.url: expected "ldap:\/\/host:port"/);
    expect(() => loadConfig({ env: { REGISTRY_LDAP_URL: "ldap://x" } })).toThrow(/ldap\.userbasedn: required/);
  });
});
