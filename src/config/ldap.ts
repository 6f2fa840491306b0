/**
 * Berth's `ldap` section: where users log in when they are not managed users (needs
 * auth.berth). Login = search as the search user, then bind as the user found.
 */
import * as z from "zod";
import { bool, describe, duration, optional, text, withDefault } from "./fields.js";
import type { LdapConfig } from "./types.js";

const ldapUrl = text.refine((value) => /^ldaps?:\/\/[^\s/]+\/?$/i.test(value), {
  error: (issue) => `expected "ldap://host:port" or "ldaps://host:port", got ${describe(issue.input)}`,
});

export const ldapSchema = z
  .strictObject({
    url: ldapUrl,
    starttls: withDefault(bool, false),
    tls: withDefault(
      z.strictObject({
        /** PEM file of CAs the directory's certificate is checked against (the system's by default). */
        ca: optional(text),
        insecureskipverify: withDefault(bool, false),
      }),
      {},
    ),
    binddn: optional(text),
    bindpassword: optional(text),
    userbasedn: text,
    loginattribute: withDefault(text, "uid"),
    userfilter: withDefault(text, "(objectClass=*)"),
    admingroupdn: optional(text),
    /** memberUid (posixGroup), member / uniqueMember (group of DNs) or memberOf (on the user). */
    groupmemberattribute: withDefault(z.enum(["memberUid", "member", "uniqueMember", "memberOf"]), "memberUid"),
    syncinterval: withDefault(duration, "1h"),
    /** The global role of a user logging in for the first time (admins come from admingroupdn). */
    defaultrole: withDefault(z.enum(["none", "read-only", "read-write", "admin"]), "none"),
    timeout: withDefault(duration, "10s"),
  })
  .transform((ldap): LdapConfig => ldap);
