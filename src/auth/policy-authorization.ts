/** An Authorization backed by the access model: what the principal may do is decided per repository. */
import type { AccessPolicy } from "../access/policy.js";
import type { Authorization } from "./controller.js";
import type { Principal } from "./principal.js";
import type { ResourceAccess } from "./scope.js";

export async function policyAuthorization(policy: AccessPolicy, principal: Principal): Promise<Authorization> {
  const access = await policy.forPrincipal(principal);
  return {
    principal,
    isAdmin: access.isAdmin,
    may: access.may,
    listable: (repository) => access.may(repository, "pull"),
  };
}

/** Whether the authorization covers every action of every entry (a catalog request is answered filtered; admin needs an administrator). */
export async function covers(authorization: Authorization, wanted: ResourceAccess[]): Promise<boolean> {
  for (const access of wanted) {
    if (access.type === "registry" && access.name === "admin") {
      if (!authorization.isAdmin) return false;
      continue;
    }
    if (access.type === "registry" && access.name === "catalog") continue;
    if (access.type !== "repository") return false;
    for (const action of access.actions) {
      const actions = action === "*" ? (["pull", "push", "delete"] as const) : [action];
      for (const one of actions) {
        if (one !== "pull" && one !== "push" && one !== "delete") return false;
        if (!(await authorization.may(access.name, one))) return false;
      }
    }
  }
  return true;
}
