/**
 * Who am I, and does a login work (e.g. after changing the LDAP settings):
 *   GET  /accounts/me        {"accountInfo": {name, isAdmin, isReadOnly, isReadWrite, isAnonymous}}
 *   POST /auth/test-login    {username, password} → the same for that account, or 401 (administrators;
 *                            counted as a login attempt); 503 with the reason when LDAP cannot be reached
 */
import { Router } from "express";
import type { AccessManagement } from "../access/management.js";
import type { Authorization } from "../auth/controller.js";
import { LdapUnavailableError } from "../auth/ldap-errors.js";
import { caller, jsonBody, requiredString } from "./request.js";
import { RegistryError } from "../registry/errors.js";
import { forbidden } from "../access/errors.js";

export type TestLogin = (address: string, user: string, password: string) => Promise<Authorization | null>;

export function accountRouter(management: AccessManagement, testLogin: TestLogin): Router {
  const router = Router();
  router.get("/accounts/me", async (_req, res) => {
    res.json({ accountInfo: await management.accountInfo(caller(res)) });
  });
  router.post("/auth/test-login", async (req, res) => {
    if (!caller(res).isAdmin) throw forbidden("only administrators may test logins");
    const body = jsonBody(req);
    const authorization = await testLogin(req.socket.remoteAddress ?? "unknown", requiredString(body, "username"), requiredString(body, "password")).catch((error: unknown) => {
      // What the test is for: telling the administrator why the directory cannot be used.
      throw error instanceof LdapUnavailableError ? error.forAdministrators() : error;
    });
    if (!authorization) throw new RegistryError("UNAUTHORIZED", "incorrect username or password", undefined, 401);
    res.json({ accountInfo: await management.accountInfo(authorization) });
  });
  return router;
}
