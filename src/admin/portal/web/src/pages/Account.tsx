/** The signed-in user's own account: change the password (managed users). */
import { useState } from "preact/hooks";
import { patch } from "../api";
import { ErrorMessage, Section, StatusMessage, useAction } from "../components/common";
import type { Account as AccountInfo } from "../types";

export function Account({ account }: { account: AccountInfo }) {
  const [password, setPassword] = useState("");
  const [again, setAgain] = useState("");
  const action = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    if (password !== again) {
      await action.run(() => Promise.reject(new Error("the two passwords differ")));
      return;
    }
    if (await action.run(() => patch(`users/${encodeURIComponent(account.name)}`, { password }), "Password changed")) {
      setPassword("");
      setAgain("");
    }
  };
  return (
    <>
      <h1>Your account</h1>
      <dl class="facts">
        <dt>User name</dt>
        <dd>{account.name}</dd>
        <dt>Global role</dt>
        <dd>{account.role}</dd>
        <dt>Signed in through</dt>
        <dd>{account.source}</dd>
      </dl>
      {account.source === "managed" ? (
        <Section title="Change password">
          <form class="stacked" onSubmit={submit}>
            <label for="new-password">New password</label>
            <input id="new-password" type="password" required minLength={8} autoComplete="new-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
            <label for="new-password-again">New password again</label>
            <input id="new-password-again" type="password" required minLength={8} autoComplete="new-password" value={again} onInput={(e) => setAgain(e.currentTarget.value)} />
            <ErrorMessage message={action.error} />
            <StatusMessage message={action.done} />
            <button type="submit" disabled={action.busy}>
              Change password
            </button>
          </form>
        </Section>
      ) : (
        <p>Your password is kept by {account.source === "ldap" ? "the LDAP directory" : "the htpasswd file"}: change it there.</p>
      )}
    </>
  );
}
