/** Users and their global roles (administrators): create, change role, deactivate, delete. */
import { useState } from "preact/hooks";
import { del, get, patch, post } from "../api";
import { ConfirmButton, ErrorMessage, Loading, Section, StatusMessage, useAction, useLoad } from "../components/common";
import { when } from "../format";
import type { UserView } from "../types";

const ROLES: { value: UserView["role"]; label: string }[] = [
  { value: "none", label: "none (own namespace, public and granted repositories)" },
  { value: "read-only", label: "read-only (pull everything)" },
  { value: "read-write", label: "read-write (pull and push everything)" },
  { value: "admin", label: "admin (everything)" },
];

export function Users() {
  const users = useLoad(() => get<{ users: UserView[] }>("users?n=1000"), "users");
  const action = useAction();
  const change = (user: UserView, changes: Partial<Pick<UserView, "role" | "active">>, message: string) =>
    action.run(async () => {
      await patch(`users/${encodeURIComponent(user.name)}`, changes);
      users.reload();
    }, message);
  const remove = (user: UserView) =>
    action.run(async () => {
      await del(`users/${encodeURIComponent(user.name)}`);
      users.reload();
    }, `Deleted ${user.name}`);

  return (
    <>
      <h1>Users</h1>
      <ErrorMessage message={action.error} />
      <StatusMessage message={action.done} />
      {users.loading && !users.data ? <Loading what="users" /> : null}
      <ErrorMessage message={users.error} />
      {users.data ? (
        <table class="list" aria-label="Users">
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Global role</th>
              <th scope="col">Source</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users.data.users.map((user) => (
              <tr key={user.name} data-user={user.name}>
                <th scope="row">
                  {user.name}
                  {user.fullName ? <span class="hint"> ({user.fullName})</span> : null}
                </th>
                <td>
                  <label class="visually-hidden" for={`role-${user.name}`}>
                    Global role of {user.name}
                  </label>
                  <select
                    id={`role-${user.name}`}
                    value={user.role}
                    disabled={action.busy}
                    onChange={(e) => void change(user, { role: e.currentTarget.value as UserView["role"] }, `${user.name} is now ${e.currentTarget.value}`)}
                  >
                    {ROLES.map((role) => (
                      <option key={role.value} value={role.value}>
                        {role.value}
                      </option>
                    ))}
                  </select>
                </td>
                <td>{user.source}</td>
                <td>{user.active ? "active" : "deactivated"}</td>
                <td>{when(user.createdAt)}</td>
                <td class="row">
                  <button type="button" disabled={action.busy} onClick={() => void change(user, { active: !user.active }, `${user.name} ${user.active ? "deactivated" : "activated"}`)}>
                    {user.active ? `Deactivate ${user.name}` : `Activate ${user.name}`}
                  </button>
                  <ConfirmButton label={`Delete ${user.name}`} confirmLabel={`Really delete ${user.name}`} onConfirm={() => void remove(user)} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <NewUser onCreated={users.reload} />
    </>
  );
}

function NewUser({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState("");
  const [fullName, setFullName] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<UserView["role"]>("none");
  const action = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    if (await action.run(() => post("users", { name, fullName, password, role }), `Created ${name}`)) {
      setName("");
      setFullName("");
      setPassword("");
      onCreated();
    }
  };
  return (
    <Section title="New user">
      <form class="stacked" onSubmit={submit}>
        <label for="new-user-name">User name</label>
        <input id="new-user-name" required autoComplete="off" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <label for="new-user-full-name">Full name</label>
        <input id="new-user-full-name" value={fullName} onInput={(e) => setFullName(e.currentTarget.value)} />
        <label for="new-user-password">Password</label>
        <input
          id="new-user-password"
          type="password"
          required
          minLength={8}
          autoComplete="new-password"
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
          aria-describedby="new-user-password-help"
        />
        <span id="new-user-password-help" class="hint">
          at least 8 characters
        </span>
        <label for="new-user-role">Global role</label>
        <select id="new-user-role" value={role} onChange={(e) => setRole(e.currentTarget.value as UserView["role"])}>
          {ROLES.map((entry) => (
            <option key={entry.value} value={entry.value}>
              {entry.label}
            </option>
          ))}
        </select>
        <ErrorMessage message={action.error} />
        <StatusMessage message={action.done} />
        <button type="submit" disabled={action.busy}>
          Create user
        </button>
      </form>
    </Section>
  );
}
