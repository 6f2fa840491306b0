/**
 * Settings (administrators): the login method and LDAP fields with a test login, who may
 * create repositories by pushing, the storage driver and its health, and garbage collection —
 * the schedule, run now, a dry-run preview and the history of runs.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { del, get, post, put } from "../api";
import { ErrorMessage, Loading, Section, StatusMessage, useAction, useLoad } from "../components/common";
import { bytes, when } from "../format";
import type { GcRun, GcSchedule, GcSummary } from "../types";

interface AuthSettings {
  method: "htpasswd" | "berth" | "token" | "silly" | "none";
  berth: {
    mode: string;
    realm: string | null;
    service: string;
    issuer: string;
    anonymous: boolean;
    defaultVisibility: string;
    createOnPush: boolean;
    tokenExpirySeconds: number;
  } | null;
  htpasswd: { realm: string | null; path: string | null } | null;
  token: { realm: string | null; service: string | null; issuer: string | null } | null;
  ldap: Record<string, string | number | boolean | null> | null;
  session: { lifetimeSeconds: number; idleSeconds: number };
}

interface StorageSettings {
  driver: string;
  deleteEnabled: boolean;
  readOnly: boolean;
  redirectDisabled: boolean;
  uploadPurging: { enabled: boolean; ageSeconds: number };
  probe: { healthy: boolean; error: string | null; milliseconds: number };
  healthChecks: { configured: boolean; healthy: boolean | null; failures: Record<string, string> };
}

const METHOD_NAMES: Record<AuthSettings["method"], string> = {
  berth: "Berth's own users (managed, and LDAP when configured)",
  htpasswd: "htpasswd file (every user is an administrator)",
  token: "tokens from an external issuer",
  silly: "silly (testing only)",
  none: "none: everyone may do everything",
};

function Facts({ entries }: { entries: [string, ComponentChildren][] }) {
  return (
    <dl class="facts">
      {entries.map(([term, value]) => [<dt key={`${term}-t`}>{term}</dt>, <dd key={`${term}-d`}>{value}</dd>])}
    </dl>
  );
}

const yes = (value: boolean) => (value ? "yes" : "no");

export function Settings() {
  return (
    <>
      <h1>Settings</h1>
      <AuthSection />
      <StorageSection />
      <GcSection />
    </>
  );
}

function AuthSection() {
  const auth = useLoad(() => get<AuthSettings>("settings/auth"), "auth");
  const action = useAction();
  const [createOnPush, setCreateOnPush] = useState<boolean | null>(null);
  useEffect(() => setCreateOnPush(auth.data?.berth?.createOnPush ?? null), [auth.data]);
  const saveCreateOnPush = (value: boolean) =>
    action.run(async () => {
      await put("settings/access", { createOnPush: value });
      setCreateOnPush(value);
    }, value ? "Pushing may create repositories" : "Pushing no longer creates repositories");
  if (auth.loading && !auth.data) return <Loading what="the login settings" />;
  if (!auth.data) return <ErrorMessage message={auth.error} />;
  const { berth, htpasswd, token, ldap, session } = auth.data;
  return (
    <Section title="Authentication" id="auth-settings">
      <p class="hint">Set in the configuration file (auth, ldap and ui sections); shown here as in force.</p>
      <Facts
        entries={[
          ["Login method", METHOD_NAMES[auth.data.method]],
          ...(berth
            ? ([
                ["Token service", berth.mode === "token" ? `built in (service ${berth.service}, issuer ${berth.issuer}, tokens last ${berth.tokenExpirySeconds}s)` : "no (Basic on every request)"],
                ["Anonymous pulls of public repositories", yes(berth.anonymous)],
                ["Visibility of new repositories", berth.defaultVisibility],
              ] as [string, string][])
            : []),
          ...(htpasswd ? ([["htpasswd file", `${htpasswd.path ?? ""} (realm ${htpasswd.realm ?? ""})`]] as [string, string][]) : []),
          ...(token ? ([["Token issuer", `${token.issuer ?? ""} at ${token.realm ?? ""} (service ${token.service ?? ""})`]] as [string, string][]) : []),
          ["Portal sessions", `end ${session.lifetimeSeconds / 3600}h after sign-in, or after ${session.idleSeconds / 60} minutes idle`],
        ]}
      />
      {berth && createOnPush !== null ? (
        <div class="row">
          <input
            id="create-on-push"
            type="checkbox"
            checked={createOnPush}
            disabled={action.busy}
            onChange={(e) => void saveCreateOnPush(e.currentTarget.checked)}
            aria-describedby="create-on-push-help"
          />
          <label for="create-on-push">A push may create a repository that does not exist yet</label>
          <span id="create-on-push-help" class="hint">
            (in one's own namespace, for read-write and admin users, and for owners in their organization)
          </span>
        </div>
      ) : null}
      <ErrorMessage message={action.error} />
      <StatusMessage message={action.done} />
      {ldap ? (
        <>
          <h3>LDAP</h3>
          <Facts
            entries={[
              ["Server", `${String(ldap.url)}${ldap.starttls ? " (StartTLS)" : ""}`],
              ["Search user DN", String(ldap.binddn ?? "— (anonymous search)")],
              ["User base DN", String(ldap.userbasedn)],
              ["Login attribute", String(ldap.loginattribute)],
              ["User filter", String(ldap.userfilter)],
              ["Admin group DN", String(ldap.admingroupdn ?? "—")],
              ["Group member attribute", String(ldap.groupmemberattribute)],
              ["Role of new LDAP users", String(ldap.defaultrole)],
              ["Team sync interval", `${String(ldap.syncIntervalSeconds)}s`],
            ]}
          />
        </>
      ) : null}
      {berth ? <TestLogin /> : null}
    </Section>
  );
}

function TestLogin() {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [result, setResult] = useState<string | null>(null);
  const action = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    setResult(null);
    await action.run(async () => {
      const { accountInfo } = await post<{ accountInfo: { name: string; isAdmin: boolean; isReadOnly: boolean; isReadWrite: boolean } }>("auth/test-login", { username, password });
      const role = accountInfo.isAdmin ? "administrator" : accountInfo.isReadWrite ? "read-write" : accountInfo.isReadOnly ? "read-only" : "no global role";
      setResult(`Login works: ${accountInfo.name}, ${role}`);
    });
    setPassword("");
  };
  return (
    <>
      <h3>Test a login</h3>
      <p class="hint">Checks a user name and password as docker login would (managed users, then LDAP), without signing in. It counts as a login attempt.</p>
      <form class="row" onSubmit={submit}>
        <label for="test-username">User name</label>
        <input id="test-username" required autoComplete="off" value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
        <label for="test-password">Password</label>
        <input id="test-password" type="password" required autoComplete="off" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        <button type="submit" disabled={action.busy}>
          Test login
        </button>
      </form>
      <ErrorMessage message={action.error} />
      <StatusMessage message={result} />
    </>
  );
}

function StorageSection() {
  const storage = useLoad(() => get<StorageSettings>("settings/storage"), "storage");
  return (
    <Section title="Storage" id="storage-settings">
      {storage.loading && !storage.data ? <Loading what="the storage state" /> : null}
      <ErrorMessage message={storage.error} />
      {storage.data ? (
        <>
          <Facts
            entries={[
              ["Driver", storage.data.driver],
              [
                "Health now",
                storage.data.probe.healthy ? (
                  <span class="ok-text">healthy (answered in {storage.data.probe.milliseconds} ms)</span>
                ) : (
                  <span class="error-text">failing: {storage.data.probe.error}</span>
                ),
              ],
              [
                "Health checks",
                storage.data.healthChecks.configured
                  ? storage.data.healthChecks.healthy
                    ? "passing"
                    : `failing: ${Object.entries(storage.data.healthChecks.failures)
                        .map(([name, error]) => `${name}: ${error}`)
                        .join("; ")}`
                  : "not configured in this process",
              ],
              ["Deletes", storage.data.deleteEnabled ? "enabled (soft, restorable until a collection)" : "disabled (storage.delete.enabled)"],
              ["Read-only mode", yes(storage.data.readOnly)],
              ["Upload purging", storage.data.uploadPurging.enabled ? `uploads older than ${storage.data.uploadPurging.ageSeconds / 3600}h` : "off"],
            ]}
          />
          <button type="button" onClick={storage.reload}>
            Check storage again
          </button>
        </>
      ) : null}
    </Section>
  );
}

function summaryText(summary: GcSummary | null, dryRun: boolean): string {
  if (!summary) return "—";
  const verb = dryRun ? "would free" : "freed";
  return `${verb} ${summary.blobsDeleted ?? 0} blobs (${bytes(summary.bytesFreed ?? 0)}), ${summary.manifestsDeleted ?? 0} manifests; ${summary.trashPurged ?? 0} deleted items purged`;
}

function GcSection() {
  const schedule = useLoad(() => get<GcSchedule>("gc/schedule"), "gc-schedule");
  const runs = useLoad(() => get<{ runs: GcRun[] }>("gc/runs?n=20"), "gc-runs");
  const [expression, setExpression] = useState("");
  const [preview, setPreview] = useState<GcRun | null>(null);
  useEffect(() => setExpression(schedule.data?.schedule ?? ""), [schedule.data]);
  const action = useAction();
  const save = async (event: Event) => {
    event.preventDefault();
    if (await action.run(() => put("gc/schedule", { schedule: expression }), expression.trim() === "" ? "Scheduled collection paused" : `Schedule set to ${expression.trim()}`)) schedule.reload();
  };
  const reset = async () => {
    if (await action.run(() => del("gc/schedule"), "Schedule back to the configuration file's")) schedule.reload();
  };
  const runNow = async () => {
    if (await action.run(() => post("gc/runs", {}), "Garbage collection started")) {
      runs.reload();
      // The run goes on in the background: look again shortly.
      window.setTimeout(runs.reload, 2000);
    }
  };
  const dryRun = async () => {
    setPreview(null);
    await action.run(async () => {
      setPreview(await post<GcRun>("gc/preview", {}));
      runs.reload();
    });
  };
  return (
    <Section title="Garbage collection" id="gc-settings">
      {schedule.data ? (
        <p>
          Schedule in force: <code>{schedule.data.schedule || "none"}</code> ({schedule.data.source === "api" ? "set here" : "from the configuration file"}
          {schedule.data.nextRun ? `; next run ${when(schedule.data.nextRun)}` : ""}).
        </p>
      ) : null}
      <ErrorMessage message={schedule.error} />
      <form class="row" onSubmit={save}>
        <label for="gc-schedule">Schedule (cron)</label>
        <input id="gc-schedule" value={expression} onInput={(e) => setExpression(e.currentTarget.value)} aria-describedby="gc-schedule-help" placeholder="0 0 3 * * *" />
        <button type="submit" disabled={action.busy}>
          Save schedule
        </button>
        <button type="button" disabled={action.busy} onClick={() => void reset()}>
          Use the configuration file's
        </button>
      </form>
      <p id="gc-schedule-help" class="hint">
        Five fields, or six with seconds first, in the server's local time: "0 0 3 * * *" is daily at 03:00. Empty pauses scheduled collection.
      </p>
      <div class="row">
        <button type="button" disabled={action.busy} onClick={() => void dryRun()}>
          Preview (dry run)
        </button>
        <button type="button" disabled={action.busy} onClick={() => void runNow()}>
          Run now
        </button>
      </div>
      <ErrorMessage message={action.error} />
      <StatusMessage message={action.done} />
      {preview ? (
        <div class="callout" role="region" aria-label="Dry-run preview">
          <p>
            Preview (run {preview.id}): {summaryText(preview.summary, true)}.
          </p>
          {preview.summary?.sample?.blobs && preview.summary.sample.blobs.length > 0 ? (
            <details>
              <summary>First blobs it would remove</summary>
              <ul>
                {preview.summary.sample.blobs.map((digest) => (
                  <li key={digest}>
                    <code>{digest}</code>
                  </li>
                ))}
              </ul>
            </details>
          ) : null}
        </div>
      ) : null}
      <h3>Runs</h3>
      <ErrorMessage message={runs.error} />
      {runs.data && runs.data.runs.length === 0 ? <p>No collection has run yet.</p> : null}
      {runs.data && runs.data.runs.length > 0 ? (
        <table class="list" aria-label="Garbage collection runs">
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Started</th>
              <th scope="col">Trigger</th>
              <th scope="col">State</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {runs.data.runs.map((run) => (
              <tr key={run.id} data-run={run.id}>
                <th scope="row">
                  {run.id}
                  {run.dryRun ? " (dry run)" : ""}
                </th>
                <td>{when(run.startedAt)}</td>
                <td>{run.trigger}</td>
                <td>{run.state}</td>
                <td>{run.error ?? summaryText(run.summary, run.dryRun)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <button type="button" onClick={runs.reload}>
        Refresh runs
      </button>
    </Section>
  );
}
