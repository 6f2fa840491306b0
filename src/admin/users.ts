/**
 * /api/v0/users: managed users (administrators), and each user's own account.
 *   GET    /users?n=&last=        list (admins)
 *   POST   /users                 {name, password, role?, fullName?}
 *   GET    /users/:name           (admins, or the user)
 *   PATCH  /users/:name           {password?, fullName?} (the user) plus {role?, active?} (admins)
 *   DELETE /users/:name           (admins)
 */
import { Router } from "express";
import { invalid } from "../access/errors.js";
import type { AccessManagement, UserChanges } from "../access/management.js";
import type { GlobalRole } from "../metadata/access-records.js";
import { caller, jsonBody, optionalString, pageOf, requiredString } from "./request.js";

export function usersRouter(management: AccessManagement): Router {
  const router = Router();
  router.get("/users", async (req, res) => {
    res.json({ users: await management.listUsers(caller(res), pageOf(req)) });
  });
  router.post("/users", async (req, res) => {
    const body = jsonBody(req);
    const role = optionalString(body, "role") as GlobalRole | undefined;
    const fullName = optionalString(body, "fullName");
    const user = await management.createUser(caller(res), {
      name: requiredString(body, "name"),
      password: requiredString(body, "password"),
      ...(role !== undefined ? { role } : {}),
      ...(fullName !== undefined ? { fullName } : {}),
    });
    res.status(201).json(user);
  });
  router.get("/users/:name", async (req, res) => {
    res.json(await management.getUser(caller(res), req.params.name));
  });
  router.patch("/users/:name", async (req, res) => {
    const body = jsonBody(req);
    if (body.active !== undefined && typeof body.active !== "boolean") throw invalid("active must be true or false");
    const changes: UserChanges = {};
    const password = optionalString(body, "password");
    const role = optionalString(body, "role") as GlobalRole | undefined;
    const fullName = optionalString(body, "fullName");
    if (password !== undefined) changes.password = password;
    if (role !== undefined) changes.role = role;
    if (fullName !== undefined) changes.fullName = fullName;
    if (typeof body.active === "boolean") changes.active = body.active;
    res.json(await management.updateUser(caller(res), req.params.name, changes));
  });
  router.delete("/users/:name", async (req, res) => {
    await management.deleteUser(caller(res), req.params.name);
    res.status(204).end();
  });
  return router;
}
