/** The sign-in form: any login the registry accepts for `docker login` (managed, LDAP, htpasswd). */
import { useEffect, useRef, useState } from "preact/hooks";
import { post } from "../api";
import { ErrorMessage } from "../components/common";
import type { SessionInfo } from "../types";

export function SignIn({ onSignedIn, notice }: { onSignedIn: (session: SessionInfo) => void; notice?: string | null }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const userRef = useRef<HTMLInputElement>(null);
  useEffect(() => userRef.current?.focus(), []);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await post<SessionInfo>("session", { username, password }));
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
      setPassword("");
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="sign-in">
      <h1>Sign in to Berth</h1>
      {notice ? (
        <p class="message" role="status">
          {notice}
        </p>
      ) : null}
      <form onSubmit={submit} aria-describedby="sign-in-help">
        <p id="sign-in-help">Use the user name and password you use for docker login.</p>
        <label for="username">User name</label>
        <input id="username" name="username" ref={userRef} autoComplete="username" required value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
        <label for="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
        <ErrorMessage message={error} />
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
