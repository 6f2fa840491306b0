/**
 * createAccessControl: the configured access controller and what goes with it (token
 * endpoint, access policy, LDAP sync). registry:2 checks its controllers' options when it
 * starts; so does Berth, naming the key at fault.
 */
import type { Request, RequestHandler } from "express";
import { generateKeyPairSync } from "node:crypto";
import { dirname, join, resolve } from "node:path";
import type { Logger } from "pino";
import { recordingCreatedRepositories } from "../access/created-repositories.js";
import { AccessManagement } from "../access/management.js";
import { AccessPolicy, CREATE_ON_PUSH_SETTING } from "../access/policy.js";
import { ConfigError } from "../config/errors.js";
import type { BerthAuthConfig, Config, LdapConfig } from "../config/types.js";
import type { MetadataStore } from "../metadata/store.js";
import { BasicController } from "./basic-controller.js";
import { BerthBearerVerifier } from "./berth-bearer.js";
import { Directory } from "./directory.js";
import { ExternalBearerVerifier, externalTokenSettings } from "./external-token.js";
import { clientAddress, openAccess, type AccessController, type Authorization } from "./controller.js";
import { HtpasswdAuthenticator, htpasswdPrincipal } from "./htpasswd.js";
import type { LdapAuthenticator } from "./ldap.js";
import type { LdapSync } from "./ldap-sync.js";
import { login } from "./login.js";
import { principalName, type Principal } from "./principal.js";
import { DEFAULT_LIMITS, LoginThrottle, type LoginLimiter, type ThrottleLimits } from "./login-throttle.js";
import { PasswordChecker } from "./passwords.js";
import { policyAuthorization } from "./policy-authorization.js";
import type { PortalSignIn } from "./session-controller.js";
import { SharedLoginThrottle } from "./shared-login-throttle.js";
import { sharedSigningKey } from "./shared-signing-key.js";
import { loadOrCreateSigningKey, signingKeyFrom, type SigningKey } from "./signing-key.js";
import { SillyController } from "./silly-controller.js";
import { TokenController } from "./token-controller.js";
import { tokenService } from "./token-service.js";
import { TokenIssuer } from "./tokens.js";

export interface AccessControl {
  controller: AccessController;
  /** The built-in token service (`GET`/`POST /auth/token`), when Berth issues tokens. */
  tokenService?: RequestHandler;
  /** Berth's permission model, when managed users are on (the management API needs it). */
  policy?: AccessPolicy;
  /** Managing users, organizations, teams, repositories, grants and robots (with auth.berth). */
  management?: AccessManagement;
  /** A login attempt that issues nothing (the management API's test login). */
  testLogin?: (address: string, user: string, password: string) => Promise<Authorization | null>;
  /** Signing in to the web portal (htpasswd and Berth's own users; not with an external token issuer). */
  signIn?: PortalSignIn;
  /** Syncs teams linked to LDAP groups (with an ldap section). */
  ldapSync?: LdapSync;
  /** Stops background work (LDAP sync). */
  close(): Promise<void>;
}

export interface AccessControlDeps {
  config: Config;
  metadata: MetadataStore;
  logger: Logger;
  /** Base of relative paths in the auth section (process.cwd() by default). */
  cwd?: string;
}

function required(section: Record<string, unknown>, key: string, prefix: string): string {
  const value = section[key];
  if (typeof value !== "string" || value === "") throw new ConfigError([`${prefix}.${key}: required`]);
  return value;
}

export async function createAccessControl(deps: AccessControlDeps): Promise<AccessControl> {
  const { config, metadata, logger } = deps;
  const cwd = deps.cwd ?? process.cwd();
  const { htpasswd, silly } = config.auth;
  if (config.ldap && !config.auth.berth) throw new ConfigError(["ldap: needs auth.berth (LDAP users are Berth's users)"]);
  const nothingToClose = async () => undefined;

  if (htpasswd) {
    const realm = required(htpasswd, "realm", "auth.htpasswd");
    const path = resolve(cwd, required(htpasswd, "path", "auth.htpasswd"));
    // Every htpasswd user may do everything, as in registry:2; the policy only answers "admin".
    const policy = new AccessPolicy(metadata, { defaultVisibility: "private", anonymousPull: false, createOnPush: async () => true });
    const authenticator = new HtpasswdAuthenticator(path, logger);
    const throttle = loginThrottle(metadata, DEFAULT_LIMITS);
    const controller = new BasicController({ realm, policy, anonymous: false, authenticator, throttle });
    const signIn: PortalSignIn = {
      login: (address, user, password) => login({ authenticator, throttle }, user, password, address),
      principalOf: async (session) => ((await authenticator.has(session.user)) ? htpasswdPrincipal(session.user) : null),
      authorization: (principal) => policyAuthorization(policy, principal),
    };
    // Repositories' descriptions and visibility are kept as with Berth's users (all htpasswd users are admins).
    return { controller, policy, management: new AccessManagement(metadata, policy, "private"), signIn, close: nothingToClose };
  }
  if (config.auth.berth) return berthAccessControl(deps, config.auth.berth, cwd);
  if (config.auth.token) {
    const settings = externalTokenSettings(config.auth.token);
    // registry:2's autoredirect: the realm's path on the host the client asked.
    const realm = settings.autoredirect
      ? (req: Request) => `${req.protocol}://${req.get("host") ?? "localhost"}${new URL(settings.realm, "http://localhost").pathname}`
      : () => settings.realm;
    const controller = new TokenController({ realm, service: settings.service, verifier: new ExternalBearerVerifier(settings) });
    return { controller, close: nothingToClose };
  }
  if (silly) {
    return { controller: new SillyController(required(silly, "realm", "auth.silly"), required(silly, "service", "auth.silly")), close: nothingToClose };
  }
  // No access control: everyone is an administrator; the portal needs no sign-in.
  const open = new AccessPolicy(metadata, { defaultVisibility: "public", anonymousPull: true, createOnPush: async () => true });
  return { controller: openAccess, policy: open, management: new AccessManagement(metadata, open, "public"), close: nothingToClose };
}

/** Failed logins counted in the shared database (PostgreSQL: every replica together), else in this process. */
function loginThrottle(metadata: MetadataStore, limits: ThrottleLimits): LoginLimiter {
  return metadata.loginFailures ? new SharedLoginThrottle(metadata.loginFailures, limits, () => metadata.now()) : new LoginThrottle(limits);
}

/**
 * auth.berth.signingkey; else, with PostgreSQL, the one every replica shares through the
 * database; else beside the SQLite file (a data directory carries its key); in memory with an
 * in-memory database.
 */
async function signingKeyFor(config: Config, berth: BerthAuthConfig, metadata: MetadataStore, cwd: string, logger: Logger): Promise<SigningKey> {
  if (berth.signingkey === undefined && config.database.driver === "postgres") return sharedSigningKey(metadata.settings, logger);
  if (berth.signingkey === undefined && config.database.path === ":memory:") return signingKeyFrom(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey);
  const path = resolve(cwd, berth.signingkey ?? join(dirname(config.database.path), "token-signing-key.pem"));
  return loadOrCreateSigningKey(path, logger);
}

/** LDAP logins and group sync; ldapts (and what it pulls in) is loaded only when LDAP is configured. */
async function openLdap(ldap: LdapConfig, metadata: MetadataStore, logger: Logger): Promise<{ authenticator: LdapAuthenticator; sync: LdapSync }> {
  const [{ LdapAuthenticator, LdapDirectory }, { LdapSync }] = await Promise.all([import("./ldap.js"), import("./ldap-sync.js")]);
  const directory = new LdapDirectory(ldap);
  return { authenticator: new LdapAuthenticator(directory, metadata, ldap, logger), sync: new LdapSync(directory, metadata, ldap, logger) };
}

async function berthAccessControl(deps: AccessControlDeps, berth: BerthAuthConfig, cwd: string): Promise<AccessControl> {
  const { config, metadata, logger } = deps;
  const policy = new AccessPolicy(metadata, {
    defaultVisibility: berth.defaultvisibility,
    anonymousPull: berth.anonymous,
    createOnPush: async () => {
      const setting = await metadata.settings.get(CREATE_ON_PUSH_SETTING);
      return setting === null ? berth.createonpush : setting === "true";
    },
  });
  const ldap = config.ldap ? await openLdap(config.ldap, metadata, logger) : undefined;
  const directory = new Directory(metadata, new PasswordChecker(), ldap?.authenticator);
  const ldapSync = ldap?.sync;
  ldapSync?.start();
  const throttle = loginThrottle(metadata, berth.failedlogins);
  const prefix = config.http.prefix.replace(/\/+$/, "");
  const basicRealm = berth.mode === "basic" ? (berth.realm ?? "Berth") : "Berth token service";
  let controller: AccessController;
  let service: AccessControl["tokenService"];
  if (berth.mode === "basic") {
    controller = new BasicController({ realm: basicRealm, policy, anonymous: berth.anonymous, authenticator: directory, throttle });
  } else {
    const issuer = new TokenIssuer(await signingKeyFor(config, berth, metadata, cwd, logger), {
      issuer: berth.issuer,
      service: berth.service,
      accessLifetime: berth.tokenexpiry,
      refreshLifetime: berth.refreshexpiry,
    });
    const host = config.http.host?.replace(/\/+$/, "");
    const realm = berth.realm
      ? () => berth.realm ?? ""
      : (req: Request) => `${host ?? `${req.protocol}://${req.get("host") ?? "localhost"}`}${prefix}/auth/token`;
    controller = new TokenController({
      realm,
      service: berth.service,
      verifier: new BerthBearerVerifier(issuer, directory, policy),
      basic: { authenticator: directory, throttle, policy },
    });
    // docker login goes to the audit log, which the portal's event log shows as a login.
    const onLogin = async (req: Request, principal: Principal) => {
      const name = principalName(principal);
      await metadata.access.addAudit({ at: new Date().toISOString(), actor: name, action: "registry.login", target: name, detail: { address: clientAddress(req) } });
    };
    service = tokenService({ issuer, directory, policy, authenticator: directory, throttle, anonymous: berth.anonymous, realm: basicRealm, onLogin });
  }
  const recording = recordingCreatedRepositories(controller, metadata, () => berth.defaultvisibility, (error) =>
    logger.error({ err: error }, "recording a new repository's settings failed"),
  );
  const testLogin = async (address: string, user: string, password: string) => {
    const principal = await login({ authenticator: directory, throttle }, user, password, address);
    return principal ? policyAuthorization(policy, principal) : null;
  };
  const signIn: PortalSignIn = {
    login: (address, user, password) => login({ authenticator: directory, throttle }, user, password, address),
    principalOf: (session) => directory.principalFor({ kind: "user", name: session.user }),
    authorization: (principal) => policyAuthorization(policy, principal),
  };
  return {
    controller: recording,
    signIn,
    ...(service ? { tokenService: service } : {}),
    policy,
    management: new AccessManagement(metadata, policy, berth.defaultvisibility),
    testLogin,
    ...(ldapSync ? { ldapSync } : {}),
    close: async () => ldapSync?.stop(),
  };
}
