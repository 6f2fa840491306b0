/**
 * Organizations, their teams and members. Administrators create and delete organizations;
 * owners of one (its `owners` team) manage its teams, members and LDAP group links.
 */
import { useState } from "preact/hooks";
import { del, get, patch, post, put } from "../api";
import { ConfirmButton, ErrorMessage, Loading, Section, StatusMessage, useAction, useLoad } from "../components/common";
import { href, navigate } from "../router";
import type { Account, Grant, TeamView } from "../types";

const segment = encodeURIComponent;

export function Organizations({ account }: { account: Account }) {
  const orgs = useLoad(() => get<{ orgs: string[] }>("orgs?n=1000"), "orgs");
  const [name, setName] = useState("");
  const action = useAction();
  const create = async (event: Event) => {
    event.preventDefault();
    if (await action.run(() => post("orgs", { name }), `Created ${name}`)) navigate(`/orgs/${name}`);
  };
  return (
    <>
      <h1>Organizations</h1>
      {orgs.loading && !orgs.data ? <Loading what="organizations" /> : null}
      <ErrorMessage message={orgs.error} />
      {orgs.data && orgs.data.orgs.length === 0 ? <p>No organizations yet.</p> : null}
      {orgs.data && orgs.data.orgs.length > 0 ? (
        <ul class="plain">
          {orgs.data.orgs.map((org) => (
            <li key={org}>
              <a href={href(`/orgs/${org}`)}>{org}</a>
            </li>
          ))}
        </ul>
      ) : null}
      {account.isAdmin ? (
        <Section title="New organization">
          <form class="stacked" onSubmit={create}>
            <label for="new-org-name">Name</label>
            <input id="new-org-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} aria-describedby="new-org-help" />
            <span id="new-org-help" class="hint">
              lower-case letters and digits; it becomes the namespace of its repositories. Its owners team is created with it.
            </span>
            <ErrorMessage message={action.error} />
            <StatusMessage message={action.done} />
            <button type="submit" disabled={action.busy}>
              Create organization
            </button>
          </form>
        </Section>
      ) : null}
    </>
  );
}

export function Organization({ org, account }: { org: string; account: Account }) {
  const info = useLoad(() => get<{ name: string; teams: TeamView[] }>(`orgs/${segment(org)}`), org);
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const action = useAction();
  const createTeam = async (event: Event) => {
    event.preventDefault();
    if (await action.run(() => post(`orgs/${segment(org)}/teams`, { name, description }), `Created team ${name}`)) navigate(`/orgs/${org}/teams/${name}`);
  };
  const deleteOrg = async () => {
    if (await action.run(() => del(`orgs/${segment(org)}`))) navigate("/orgs");
  };
  return (
    <>
      <nav aria-label="Breadcrumb" class="breadcrumb">
        <a href={href("/orgs")}>Organizations</a> / <span aria-current="page">{org}</span>
      </nav>
      <h1>{org}</h1>
      <p>
        <a href={href(`/repositories?q=${encodeURIComponent(`${org}/`)}`)}>Repositories of {org}</a>
      </p>
      {info.loading && !info.data ? <Loading what="teams" /> : null}
      <ErrorMessage message={info.error} />
      {info.data ? (
        <Section title="Teams">
          <table class="list" aria-label={`Teams of ${org}`}>
            <thead>
              <tr>
                <th scope="col">Team</th>
                <th scope="col">Description</th>
                <th scope="col">LDAP group</th>
              </tr>
            </thead>
            <tbody>
              {info.data.teams.map((team) => (
                <tr key={team.name}>
                  <th scope="row">
                    <a href={href(`/orgs/${org}/teams/${team.name}`)}>{team.name}</a>
                  </th>
                  <td>{team.description}</td>
                  <td>{team.ldapGroupDn ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
      ) : null}
      <Section title="New team">
        <form class="stacked" onSubmit={createTeam}>
          <label for="new-team-name">Team name</label>
          <input id="new-team-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
          <label for="new-team-description">Team description</label>
          <input id="new-team-description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
          <ErrorMessage message={action.error} />
          <StatusMessage message={action.done} />
          <button type="submit" disabled={action.busy}>
            Create team
          </button>
        </form>
      </Section>
      {account.isAdmin ? (
        <Section title="Delete organization">
          <p>Removes its teams, their members and grants. Its repositories stay.</p>
          <ConfirmButton label={`Delete ${org}`} confirmLabel={`Really delete ${org}`} onConfirm={() => void deleteOrg()} />
        </Section>
      ) : null}
    </>
  );
}

export function Team({ org, team }: { org: string; team: string }) {
  const base = `orgs/${segment(org)}/teams/${segment(team)}`;
  const info = useLoad(() => get<TeamView & { members: string[] }>(base), `${org}/${team}`);
  const [member, setMember] = useState("");
  const action = useAction();
  const addMember = async (event: Event) => {
    event.preventDefault();
    if (await action.run(() => put(`${base}/members/${segment(member.trim())}`), `Added ${member.trim()}`)) {
      setMember("");
      info.reload();
    }
  };
  const removeMember = (user: string) =>
    action.run(async () => {
      await del(`${base}/members/${segment(user)}`);
      info.reload();
    }, `Removed ${user}`);
  const deleteTeam = async () => {
    if (await action.run(() => del(base))) navigate(`/orgs/${org}`);
  };
  return (
    <>
      <nav aria-label="Breadcrumb" class="breadcrumb">
        <a href={href("/orgs")}>Organizations</a> / <a href={href(`/orgs/${org}`)}>{org}</a> / <span aria-current="page">{team}</span>
      </nav>
      <h1>
        Team {org}/{team}
      </h1>
      {info.loading && !info.data ? <Loading what="the team" /> : null}
      <ErrorMessage message={info.error} />
      <ErrorMessage message={action.error} />
      <StatusMessage message={action.done} />
      {info.data ? (
        <>
          <Section title="Members">
            {info.data.members.length === 0 ? <p>No members yet.</p> : null}
            <ul class="plain">
              {info.data.members.map((user) => (
                <li key={user} class="row">
                  <span>{user}</span>
                  <button type="button" class="danger" disabled={action.busy} onClick={() => void removeMember(user)}>
                    Remove {user}
                  </button>
                </li>
              ))}
            </ul>
            <form class="row" onSubmit={addMember}>
              <label for="new-member">User name</label>
              <input id="new-member" required value={member} onInput={(e) => setMember(e.currentTarget.value)} />
              <button type="submit" disabled={action.busy}>
                Add member
              </button>
            </form>
          </Section>
          <TeamSettings base={base} team={info.data} onSaved={info.reload} />
          {team !== "owners" ? (
            <Section title="Delete team">
              <ConfirmButton label={`Delete team ${team}`} confirmLabel={`Really delete team ${team}`} onConfirm={() => void deleteTeam()} />
            </Section>
          ) : null}
        </>
      ) : null}
    </>
  );
}

function TeamSettings({ base, team, onSaved }: { base: string; team: TeamView; onSaved: () => void }) {
  const [description, setDescription] = useState(team.description);
  const [ldapGroupDn, setLdapGroupDn] = useState(team.ldapGroupDn ?? "");
  const action = useAction();
  const save = async (event: Event) => {
    event.preventDefault();
    const ok = await action.run(() => patch(base, { description, ldapGroupDn: ldapGroupDn.trim() === "" ? null : ldapGroupDn.trim() }), "Saved");
    if (ok) onSaved();
  };
  return (
    <Section title="Team settings">
      <form class="stacked" onSubmit={save}>
        <label for="team-description">Description</label>
        <input id="team-description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        <label for="team-ldap-group">LDAP group DN</label>
        <input id="team-ldap-group" value={ldapGroupDn} onInput={(e) => setLdapGroupDn(e.currentTarget.value)} aria-describedby="team-ldap-help" />
        <span id="team-ldap-help" class="hint">
          when set, the members are synced from this group (with an ldap section in the configuration)
        </span>
        <ErrorMessage message={action.error} />
        <StatusMessage message={action.done} />
        <button type="submit" disabled={action.busy}>
          Save team
        </button>
      </form>
    </Section>
  );
}

/** A repository's team grants (repositories of an organization; its owners manage them). */
export function RepositoryGrants({ repository, org }: { repository: string; org: string }) {
  const path = `repositories/${repository.split("/").map(segment).join("/")}/_grants`;
  const grants = useLoad(() => get<{ grants: Grant[] }>(path), repository);
  const teams = useLoad(() => get<{ teams: TeamView[] }>(`orgs/${segment(org)}/teams`), org);
  const [team, setTeam] = useState("");
  const [level, setLevel] = useState<Grant["level"]>("read-only");
  const action = useAction();
  const grant = async (event: Event) => {
    event.preventDefault();
    const chosen = team || teams.data?.teams[0]?.name || "";
    if (await action.run(() => put(`${path}/${segment(chosen)}`, { level }), `Granted ${chosen} ${level}`)) grants.reload();
  };
  const revoke = (name: string) =>
    action.run(async () => {
      await del(`${path}/${segment(name)}`);
      grants.reload();
    }, `Removed the grant of ${name}`);
  return (
    <Section title="Team access" id="team-access">
      <ErrorMessage message={grants.error} />
      {grants.data && grants.data.grants.length === 0 ? <p>No team has been granted access.</p> : null}
      {grants.data && grants.data.grants.length > 0 ? (
        <table class="list" aria-label={`Team grants on ${repository}`}>
          <thead>
            <tr>
              <th scope="col">Team</th>
              <th scope="col">Access</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {grants.data.grants.map((entry) => (
              <tr key={entry.team} data-grant={entry.team}>
                <th scope="row">
                  <a href={href(`/orgs/${org}/teams/${entry.team}`)}>{entry.team}</a>
                </th>
                <td>{entry.level}</td>
                <td>
                  <button type="button" class="danger" disabled={action.busy} onClick={() => void revoke(entry.team)}>
                    Remove grant of {entry.team}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {teams.data ? (
        <form class="row" onSubmit={grant}>
          <label for="grant-team">Team</label>
          <select id="grant-team" value={team} onChange={(e) => setTeam(e.currentTarget.value)}>
            {teams.data.teams.map((entry) => (
              <option key={entry.name} value={entry.name}>
                {entry.name}
              </option>
            ))}
          </select>
          <label for="grant-level">Access</label>
          <select id="grant-level" value={level} onChange={(e) => setLevel(e.currentTarget.value as Grant["level"])}>
            <option value="read-only">read-only (view, pull)</option>
            <option value="read-write">read-write (also push, delete tags)</option>
            <option value="admin">admin (also settings, visibility)</option>
          </select>
          <button type="submit" disabled={action.busy}>
            Grant access
          </button>
        </form>
      ) : null}
      <ErrorMessage message={action.error} />
      <StatusMessage message={action.done} />
    </Section>
  );
}
