/**
 * The auth section: registry:2's access controllers (htpasswd, token, silly) and Berth's own
 * (`berth`: the built-in token service or Basic over managed/LDAP users), at most one.
 * registry:2 ignores option keys it does not know and checks required ones when the controller
 * starts; its sections are read the same way here (src/auth checks them at startup).
 */
import * as z from "zod";
import { bool, duration, optional, text, withDefault } from "./fields.js";
import type { AuthConfig, BerthAuthConfig } from "./types.js";

const htpasswd = z.looseObject({
  realm: optional(text),
  path: optional(text),
  /** Berth: serve Basic auth over plain HTTP on a non-loopback address anyway. */
  allowplainhttp: optional(bool),
});

const token = z.looseObject({
  realm: optional(text),
  service: optional(text),
  issuer: optional(text),
  rootcertbundle: optional(text),
  /** A JSON Web Key Set file (registry:2 3.x): keys picked by the token's `kid`. */
  jwks: optional(text),
  /** Algorithms accepted in token headers; `none` is never accepted. */
  signingalgorithms: optional(z.array(text)),
  autoredirect: optional(bool),
});

const silly = z.looseObject({ realm: optional(text), service: optional(text) });

const positiveCount = z.number().int().positive();

const berth = z.strictObject({
  /** token: Bearer tokens from /auth/token (docker login works with it); basic: Basic on every request. */
  mode: withDefault(z.enum(["token", "basic"]), "token"),
  /** token: the token endpoint URL (default: /auth/token on the requested host); basic: the realm name. */
  realm: optional(text),
  service: withDefault(text, "berth"),
  issuer: withDefault(text, "berth"),
  /** PEM private key signing tokens; generated on first start when missing (default: beside the database). */
  signingkey: optional(text),
  tokenexpiry: withDefault(duration, "5m"),
  /** Lifetime of the refresh (offline) tokens `docker login` keeps. */
  refreshexpiry: withDefault(duration, "168h"),
  /** Anonymous callers may pull public repositories. */
  anonymous: withDefault(bool, true),
  /** A push to a repository that does not exist creates it (for those allowed to create it). */
  createonpush: withDefault(bool, true),
  /** Visibility of repositories created by a push. */
  defaultvisibility: withDefault(z.enum(["private", "public"]), "private"),
  allowplainhttp: withDefault(bool, false),
  failedlogins: withDefault(
    z.strictObject({
      peruser: withDefault(positiveCount, 5),
      peraddress: withDefault(positiveCount, 20),
      window: withDefault(duration, "15m"),
    }),
    {},
  ),
});

/** `htpasswd:` with nothing under it is a section with no options (`auth: silly` expands the same way). */
function section<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === null ? {} : value), schema.optional());
}

const CONTROLLERS = ["htpasswd", "token", "silly", "berth"] as const;

export const authSchema = z
  .strictObject({
    htpasswd: section(htpasswd),
    token: section(token),
    silly: section(silly),
    berth: section(berth),
  })
  .transform((auth, ctx): AuthConfig => {
    const present = CONTROLLERS.filter((name) => auth[name] !== undefined);
    if (present.length > 1) {
      ctx.addIssue({ code: "custom", message: `only one access controller may be configured, found ${present.join(", ")}`, input: auth });
    }
    const result: AuthConfig = {};
    if (auth.htpasswd) result.htpasswd = auth.htpasswd;
    if (auth.token) result.token = auth.token;
    if (auth.silly) result.silly = auth.silly;
    if (auth.berth) result.berth = auth.berth satisfies BerthAuthConfig;
    return result;
  });
