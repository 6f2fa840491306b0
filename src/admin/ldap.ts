/**
 * POST /ldap/sync: sync teams linked to LDAP groups now (administrators), answered with
 * each team's members and the groups that could not be read; 503 with the reason when the
 * directory cannot be reached.
 */
import { Router } from "express";
import { forbidden, notFound } from "../access/errors.js";
import { LdapUnavailableError } from "../auth/ldap-errors.js";
import type { LdapSync } from "../auth/ldap-sync.js";
import { caller } from "./request.js";

export function ldapRouter(sync: LdapSync | undefined): Router {
  const router = Router();
  router.post("/ldap/sync", async (_req, res) => {
    if (!caller(res).isAdmin) throw forbidden("only administrators may sync LDAP groups");
    if (!sync) throw notFound("an ldap section in the configuration");
    try {
      res.json(await sync.run());
    } catch (error) {
      throw error instanceof LdapUnavailableError ? error.forAdministrators() : error;
    }
  });
  return router;
}
