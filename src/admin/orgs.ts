/**
 * /api/v0/orgs: organizations, their teams and members.
 *   GET    /orgs?n=&last=                       list
 *   POST   /orgs                                {name} (admins); creates its owners team
 *   GET    /orgs/:org                           {name, teams}
 *   DELETE /orgs/:org                           (admins)
 *   GET    /orgs/:org/teams                     list
 *   POST   /orgs/:org/teams                     {name, description?, ldapGroupDn?} (owners)
 *   GET    /orgs/:org/teams/:team               one team
 *   PATCH  /orgs/:org/teams/:team               {description?, ldapGroupDn?} (owners)
 *   DELETE /orgs/:org/teams/:team               (owners; never the owners team)
 *   GET    /orgs/:org/teams/:team/members       user names
 *   PUT    /orgs/:org/teams/:team/members/:user add (owners)
 *   DELETE /orgs/:org/teams/:team/members/:user remove (owners)
 */
import { Router } from "express";
import { invalid } from "../access/errors.js";
import type { AccessManagement } from "../access/management.js";
import { caller, jsonBody, optionalString, pageOf, requiredString } from "./request.js";

function ldapGroupDn(body: Record<string, unknown>): string | null | undefined {
  const value = body.ldapGroupDn;
  if (value === undefined || value === null) return value;
  if (typeof value !== "string") throw invalid("ldapGroupDn must be a string or null");
  return value;
}

export function orgsRouter(management: AccessManagement): Router {
  const router = Router();
  router.get("/orgs", async (req, res) => {
    res.json({ orgs: await management.listOrgs(pageOf(req)) });
  });
  router.post("/orgs", async (req, res) => {
    res.status(201).json(await management.createOrg(caller(res), requiredString(jsonBody(req), "name")));
  });
  router.get("/orgs/:org", async (req, res) => {
    res.json(await management.getOrg(caller(res), req.params.org));
  });
  router.delete("/orgs/:org", async (req, res) => {
    await management.deleteOrg(caller(res), req.params.org);
    res.status(204).end();
  });
  router.get("/orgs/:org/teams", async (req, res) => {
    res.json({ teams: (await management.getOrg(caller(res), req.params.org)).teams });
  });
  router.post("/orgs/:org/teams", async (req, res) => {
    const body = jsonBody(req);
    const description = optionalString(body, "description");
    const dn = ldapGroupDn(body);
    const team = await management.createTeam(caller(res), req.params.org, {
      name: requiredString(body, "name"),
      ...(description !== undefined ? { description } : {}),
      ...(dn !== undefined ? { ldapGroupDn: dn } : {}),
    });
    res.status(201).json(team);
  });
  router.get("/orgs/:org/teams/:team", async (req, res) => {
    res.json(await management.getTeam(caller(res), req.params.org, req.params.team));
  });
  router.patch("/orgs/:org/teams/:team", async (req, res) => {
    const body = jsonBody(req);
    const description = optionalString(body, "description");
    const dn = ldapGroupDn(body);
    res.json(
      await management.updateTeam(caller(res), req.params.org, req.params.team, {
        ...(description !== undefined ? { description } : {}),
        ...(dn !== undefined ? { ldapGroupDn: dn } : {}),
      }),
    );
  });
  router.delete("/orgs/:org/teams/:team", async (req, res) => {
    await management.deleteTeam(caller(res), req.params.org, req.params.team);
    res.status(204).end();
  });
  router.get("/orgs/:org/teams/:team/members", async (req, res) => {
    res.json({ members: await management.listMembers(caller(res), req.params.org, req.params.team) });
  });
  router.put("/orgs/:org/teams/:team/members/:user", async (req, res) => {
    await management.addMember(caller(res), req.params.org, req.params.team, req.params.user);
    res.status(204).end();
  });
  router.delete("/orgs/:org/teams/:team/members/:user", async (req, res) => {
    await management.removeMember(caller(res), req.params.org, req.params.team, req.params.user);
    res.status(204).end();
  });
  return router;
}
