/** decide() on its own: levels adding up across teams of several organizations, and what each never gives. */
import { describe, expect, it } from "vitest";
import { decide, type RepositoryFacts, type Subject } from "./decide.js";

const SETTINGS = { createOnPush: true, anonymousPull: true };

function repository(name: string, grants: RepositoryFacts["grants"], visibility: RepositoryFacts["visibility"] = "private"): RepositoryFacts {
  const org = name.slice(0, name.indexOf("/"));
  return { name, namespace: { kind: "org", name: org }, exists: true, visibility, grants };
}

/** ishmael: in `harpooners` of pequod and in `owners` and `crew` of rachel. */
const ishmael: Subject = {
  kind: "user",
  name: "ishmael",
  role: "none",
  teams: [
    { org: "pequod", team: "harpooners" },
    { org: "rachel", team: "owners" },
    { org: "rachel", team: "crew" },
  ],
};

const actions = (subject: Subject, facts: RepositoryFacts) => [...decide(subject, facts, SETTINGS)].sort();

describe("decide", () => {
  it("adds up a user's teams across several organizations, each grant on its own repository", () => {
    expect(actions(ishmael, repository("pequod/whaling", [{ org: "pequod", team: "harpooners", repository: "pequod/whaling", level: "read-write" }]))).toEqual(["delete", "pull", "push"]);
    expect(actions(ishmael, repository("pequod/log", [{ org: "pequod", team: "harpooners", repository: "pequod/log", level: "read-only" }]))).toEqual(["pull"]);
    // Owners of rachel: everything there, nothing more in pequod.
    expect(actions(ishmael, repository("rachel/search", []))).toEqual(["admin", "delete", "pull", "push"]);
    expect(actions(ishmael, repository("pequod/cabin", []))).toEqual([]);
    // A grant to a team of the same name in another organization is not his.
    expect(actions(ishmael, repository("pequod/rigging", [{ org: "pequod", team: "crew", repository: "pequod/rigging", level: "admin" }]))).toEqual([]);
  });

  it("takes the highest of several grants and the global role", () => {
    const grants: RepositoryFacts["grants"] = [
      { org: "pequod", team: "harpooners", repository: "pequod/boats", level: "read-only" },
      { org: "pequod", team: "lookouts", repository: "pequod/boats", level: "admin" },
    ];
    const lookout: Subject = { ...ishmael, kind: "user", teams: [{ org: "pequod", team: "harpooners" }, { org: "pequod", team: "lookouts" }] };
    expect(actions(lookout, repository("pequod/boats", grants))).toEqual(["admin", "delete", "pull", "push"]);
    expect(actions(ishmael, repository("pequod/boats", grants))).toEqual(["pull"]);
    expect(actions({ ...ishmael, role: "read-only", teams: [] }, repository("pequod/boats", grants))).toEqual(["pull"]);
  });

  it("gives anonymous callers public pull only, and only when allowed", () => {
    expect(actions({ kind: "anonymous" }, repository("pequod/docs", [], "public"))).toEqual(["pull"]);
    expect([...decide({ kind: "anonymous" }, repository("pequod/docs", [], "public"), { ...SETTINGS, anonymousPull: false })]).toEqual([]);
    expect(actions({ kind: "anonymous" }, { ...repository("pequod/docs", [], "public"), exists: false })).toEqual([]);
  });
});
