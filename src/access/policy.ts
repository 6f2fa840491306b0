/**
 * AccessPolicy: gathers the facts decide() needs from the metadata store and answers what a
 * principal may do on a repository. forPrincipal() loads the caller's role and teams once,
 * so a catalog page asks one question per repository, not per repository and per team.
 */
import type { Principal } from "../auth/principal.js";
import type { AccessRecords, Visibility } from "../metadata/access-records.js";
import type { MetadataStore } from "../metadata/store.js";
import { ALL_ACTIONS, decide, type Action, type ModelSettings, type RepositoryFacts, type Subject } from "./decide.js";
import { namespaceOf } from "./namespace.js";
import { repositoryPresent } from "./presence.js";

/** The runtime setting (management API) that wins over the config file's auth.berth.createonpush. */
export const CREATE_ON_PUSH_SETTING = "access.createonpush";

export interface PolicyOptions {
  defaultVisibility: Visibility;
  anonymousPull: boolean;
  /** Read on every decision: an administrator may change it at runtime. */
  createOnPush: () => Promise<boolean>;
}

/** What one caller may do; obtained from AccessPolicy.forPrincipal. */
export interface PrincipalAccess {
  /** An active user with the admin role (or an htpasswd user, who may do everything). */
  isAdmin: boolean;
  actions(repository: string): Promise<Set<Action>>;
  /** Whether the caller may create the repository (through the API: create-on-push does not apply). */
  mayCreate(repository: string): Promise<boolean>;
  may(repository: string, action: Action): Promise<boolean>;
}

export class AccessPolicy {
  constructor(
    private readonly metadata: MetadataStore,
    private readonly options: PolicyOptions,
  ) {}

  private get records(): AccessRecords {
    return this.metadata.access;
  }

  /** The subject as decide() sees it; a deactivated or deleted user counts as anonymous. */
  private async subject(principal: Principal): Promise<Subject> {
    if (principal.kind === "robot") return principal;
    if (principal.kind === "anonymous") return principal;
    if (principal.source === "htpasswd" || principal.source === "token") return { kind: "user", name: principal.name, role: principal.role, teams: [] };
    const user = await this.records.getUser(principal.name);
    if (!user?.active) return { kind: "anonymous" };
    return { kind: "user", name: user.name, role: user.role, teams: await this.records.teamsOf(user.name) };
  }

  async facts(repository: string): Promise<RepositoryFacts> {
    const settings = await this.records.getRepository(repository);
    const exists = await repositoryPresent(this.metadata, repository, settings);
    const owner = namespaceOf(repository);
    let kind: RepositoryFacts["namespace"]["kind"] = "none";
    if (owner !== null) {
      if (await this.records.orgExists(owner)) kind = "org";
      else if ((await this.records.getUser(owner)) !== null) kind = "user";
    }
    return {
      name: repository,
      namespace: { kind, name: owner },
      exists,
      visibility: settings?.visibility ?? this.options.defaultVisibility,
      grants: settings === null ? [] : await this.records.grantsOn(repository),
    };
  }

  async forPrincipal(principal: Principal): Promise<PrincipalAccess> {
    const subject = await this.subject(principal);
    const settings = async (): Promise<ModelSettings> => ({
      createOnPush: await this.options.createOnPush(),
      anonymousPull: this.options.anonymousPull,
    });
    const actions = async (repository: string): Promise<Set<Action>> => {
      // Administrators need no facts.
      if (subject.kind === "user" && subject.role === "admin") {
        const all = new Set<Action>(ALL_ACTIONS);
        const facts = await settings();
        if (!facts.createOnPush && !(await this.exists(repository))) all.delete("push");
        return all;
      }
      return decide(subject, await this.facts(repository), await settings());
    };
    const mayCreate = async (repository: string): Promise<boolean> => {
      if (subject.kind === "user" && subject.role === "admin") return true;
      const facts = await this.facts(repository);
      return decide(subject, { ...facts, exists: false }, { createOnPush: true, anonymousPull: false }).has("push");
    };
    return {
      isAdmin: subject.kind === "user" && subject.role === "admin",
      actions,
      mayCreate,
      may: async (repository, action) => (await actions(repository)).has(action),
    };
  }

  private async exists(repository: string): Promise<boolean> {
    return repositoryPresent(this.metadata, repository, await this.records.getRepository(repository));
  }
}
