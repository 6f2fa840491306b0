/**
 * createAccessControl: the configured access controller and what goes with it (token
 * endpoint, access policy, LDAP sync). registry:2 checks its controllers' options when it
 * starts; so does Berth, naming the key at fault.
 */
import type { RequestHandler } from "express";
import { resolve } from "node:path";
import type { Logger } from "pino";
import { AccessPolicy } from "../access/policy.js";
import { ConfigError } from "../config/errors.js";
import type { Config } from "../config/types.js";
import type { MetadataStore } from "../metadata/store.js";
import { BasicController } from "./basic-controller.js";
import { openAccess, type AccessController } from "./controller.js";
import { HtpasswdAuthenticator } from "./htpasswd.js";
import { LoginThrottle } from "./login-throttle.js";
import { SillyController } from "./silly-controller.js";

export interface AccessControl {
  controller: AccessController;
  /** The built-in token service (`GET`/`POST /auth/token`), when Berth issues tokens. */
  tokenService?: RequestHandler;
  /** Berth's permission model, when managed users are on (the management API needs it). */
  policy?: AccessPolicy;
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
  const nothingToClose = async () => undefined;

  if (htpasswd) {
    const realm = required(htpasswd, "realm", "auth.htpasswd");
    const path = resolve(cwd, required(htpasswd, "path", "auth.htpasswd"));
    // Every htpasswd user may do everything, as in registry:2; the policy only answers "admin".
    const policy = new AccessPolicy(metadata, { defaultVisibility: "private", anonymousPull: false, createOnPush: async () => true });
    const controller = new BasicController({
      realm,
      policy,
      anonymous: false,
      authenticator: new HtpasswdAuthenticator(path, logger),
      throttle: new LoginThrottle(),
    });
    return { controller, close: nothingToClose };
  }
  if (silly) {
    return { controller: new SillyController(required(silly, "realm", "auth.silly"), required(silly, "service", "auth.silly")), close: nothingToClose };
  }
  return { controller: openAccess, close: nothingToClose };
}
