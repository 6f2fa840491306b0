/**
 * What the portal's settings page shows (administrators; mounted behind requireAdmin):
 *   GET /settings/auth      the login method in force and its options (LDAP's fields without
 *                           the bind password); changed in the configuration file
 *   GET /settings/storage   the storage driver in use, its switches, and its health now
 *                           (a live probe, plus the health checks' failures when configured)
 */
import { Router } from "express";
import { CREATE_ON_PUSH_SETTING } from "../access/policy.js";
import type { Config } from "../config/types.js";
import { storageCheck } from "../health/checks.js";
import type { HealthMonitor } from "../health/monitor.js";
import type { Registry } from "../registry/registry.js";

export interface SettingsApiDependencies {
  config: Config;
  registry: Registry;
  health?: HealthMonitor;
}

function authMethod(config: Config): "htpasswd" | "berth" | "token" | "silly" | "none" {
  const { auth } = config;
  if (auth.htpasswd) return "htpasswd";
  if (auth.berth) return "berth";
  if (auth.token) return "token";
  if (auth.silly) return "silly";
  return "none";
}

const seconds = (ms: number) => Math.round(ms / 1000);

export function settingsRouter({ config, registry, health }: SettingsApiDependencies): Router {
  const router = Router();

  router.get("/settings/auth", async (_req, res) => {
    const { berth, htpasswd, token } = config.auth;
    const createOnPush = await registry.metadata.settings.get(CREATE_ON_PUSH_SETTING);
    const ldap = config.ldap;
    res.json({
      method: authMethod(config),
      berth: berth
        ? {
            mode: berth.mode,
            realm: berth.realm ?? null,
            service: berth.service,
            issuer: berth.issuer,
            anonymous: berth.anonymous,
            defaultVisibility: berth.defaultvisibility,
            createOnPush: createOnPush === null ? berth.createonpush : createOnPush === "true",
            tokenExpirySeconds: seconds(berth.tokenexpiry),
          }
        : null,
      htpasswd: htpasswd ? { realm: htpasswd.realm ?? null, path: htpasswd.path ?? null } : null,
      token: token ? { realm: token.realm ?? null, service: token.service ?? null, issuer: token.issuer ?? null } : null,
      ldap: ldap
        ? {
            url: ldap.url,
            starttls: ldap.starttls,
            binddn: ldap.binddn ?? null,
            userbasedn: ldap.userbasedn,
            loginattribute: ldap.loginattribute,
            userfilter: ldap.userfilter,
            admingroupdn: ldap.admingroupdn ?? null,
            groupmemberattribute: ldap.groupmemberattribute,
            defaultrole: ldap.defaultrole,
            syncIntervalSeconds: seconds(ldap.syncinterval),
          }
        : null,
      session: { lifetimeSeconds: seconds(config.ui.session.lifetime), idleSeconds: seconds(config.ui.session.idle) },
    });
  });

  router.get("/settings/storage", async (_req, res) => {
    const { storage } = config;
    const probe = storageCheck(registry.driver, config.health.storagedriver, async () => (await registry.metadata.listRepositories({ limit: 1 })).length > 0);
    const started = Date.now();
    let error: string | null = null;
    try {
      await probe.run();
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught);
    }
    res.json({
      driver: registry.driver.name,
      deleteEnabled: storage.delete.enabled,
      readOnly: storage.maintenance.readonly.enabled,
      redirectDisabled: storage.redirect.disable,
      uploadPurging: { enabled: storage.maintenance.uploadpurging.enabled, ageSeconds: seconds(storage.maintenance.uploadpurging.age) },
      probe: { healthy: error === null, error, milliseconds: Date.now() - started },
      healthChecks: health ? { configured: true, healthy: health.healthy(), failures: health.failures() } : { configured: false, healthy: null, failures: {} },
    });
  });
  return router;
}
