/** Robot (CI) tokens: create one for a repository or namespace, see its secret once, revoke it. */
import { useState } from "preact/hooks";
import { del, get, post } from "../api";
import { ConfirmButton, CopyField, ErrorMessage, Loading, Section, StatusMessage, useAction, useLoad } from "../components/common";
import { when } from "../format";
import type { RobotView } from "../types";

export function Robots() {
  const robots = useLoad(() => get<{ robots: RobotView[] }>("robots"), "robots");
  const action = useAction();
  const [created, setCreated] = useState<{ robot: RobotView; secret: string } | null>(null);
  const revoke = (robot: RobotView) =>
    action.run(async () => {
      await del(`robots/${encodeURIComponent(robot.name)}`);
      robots.reload();
    }, `Revoked ${robot.login}`);
  return (
    <>
      <h1>Robot tokens</h1>
      <p>For CI: a login that reaches one repository or namespace, pull-only or push, until revoked or expired.</p>
      <ErrorMessage message={action.error} />
      <StatusMessage message={action.done} />
      {created ? (
        <div class="callout" role="region" aria-label="New robot token">
          <p>
            Created <strong>{created.robot.login}</strong>. Its secret is shown only now: use it as the password of <code>docker login -u '{created.robot.login}'</code>.
          </p>
          <CopyField id="robot-secret" label="Secret" value={created.secret} />
        </div>
      ) : null}
      {robots.loading && !robots.data ? <Loading what="robots" /> : null}
      <ErrorMessage message={robots.error} />
      {robots.data && robots.data.robots.length === 0 ? <p>No robot tokens.</p> : null}
      {robots.data && robots.data.robots.length > 0 ? (
        <table class="list" aria-label="Robot tokens">
          <thead>
            <tr>
              <th scope="col">Login</th>
              <th scope="col">Reaches</th>
              <th scope="col">Access</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {robots.data.robots.map((robot) => (
              <tr key={robot.id} data-robot={robot.name}>
                <th scope="row">
                  <code>{robot.login}</code>
                </th>
                <td>
                  {robot.scope.kind} {robot.scope.name}
                </td>
                <td>{robot.access}</td>
                <td>
                  {when(robot.createdAt)} by {robot.createdBy}
                </td>
                <td>{when(robot.lastUsedAt)}</td>
                <td>{robot.revokedAt ? `revoked ${when(robot.revokedAt)}` : robot.expiresAt ? `expires ${when(robot.expiresAt)}` : "active"}</td>
                <td>
                  {robot.revokedAt ? null : (
                    <ConfirmButton label={`Revoke ${robot.name}`} confirmLabel={`Really revoke ${robot.name}`} onConfirm={() => void revoke(robot)} />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <NewRobot
        onCreated={(result) => {
          setCreated(result);
          robots.reload();
        }}
      />
    </>
  );
}

function NewRobot({ onCreated }: { onCreated: (result: { robot: RobotView; secret: string }) => void }) {
  const [name, setName] = useState("");
  const [kind, setKind] = useState<"repository" | "namespace">("repository");
  const [scope, setScope] = useState("");
  const [access, setAccess] = useState<"pull" | "push">("pull");
  const [days, setDays] = useState("");
  const action = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    const expiresIn = days.trim() === "" ? undefined : Math.round(Number(days) * 86_400);
    let result: { robot: RobotView; secret: string } | null = null;
    const ok = await action.run(async () => {
      result = await post<{ robot: RobotView; secret: string }>("robots", { name, scope: { kind, name: scope }, access, ...(expiresIn ? { expiresIn } : {}) });
    });
    if (ok && result) {
      setName("");
      onCreated(result);
    }
  };
  return (
    <Section title="New robot token">
      <form class="stacked" onSubmit={submit}>
        <label for="robot-name">Robot name</label>
        <input id="robot-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <label for="robot-scope-kind">Reaches</label>
        <select id="robot-scope-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as "repository" | "namespace")}>
          <option value="repository">one repository</option>
          <option value="namespace">every repository of a namespace</option>
        </select>
        <label for="robot-scope">{kind === "repository" ? "Repository" : "Namespace"}</label>
        <input id="robot-scope" required value={scope} onInput={(e) => setScope(e.currentTarget.value)} />
        <label for="robot-access">Access</label>
        <select id="robot-access" value={access} onChange={(e) => setAccess(e.currentTarget.value as "pull" | "push")}>
          <option value="pull">pull only</option>
          <option value="push">pull and push</option>
        </select>
        <label for="robot-expiry">Expires after (days)</label>
        <input id="robot-expiry" type="number" min="1" value={days} onInput={(e) => setDays(e.currentTarget.value)} aria-describedby="robot-expiry-help" />
        <span id="robot-expiry-help" class="hint">
          empty: never
        </span>
        <ErrorMessage message={action.error} />
        <button type="submit" disabled={action.busy}>
          Create robot token
        </button>
      </form>
    </Section>
  );
}
