/** The portal's shell: who is signed in, the navigation, and the page the URL names. */
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { del, get, onSignedOut, setCsrfToken } from "./api";
import { ErrorMessage, Loading } from "./components/common";
import { Repositories } from "./pages/Repositories";
import { Repository } from "./pages/Repository";
import { SignIn } from "./pages/SignIn";
import { Trash } from "./pages/Trash";
import { after, href, useRoute } from "./router";
import type { Account, SessionInfo } from "./types";

interface NavItem {
  path: string;
  label: string;
  admin?: boolean;
}

const NAV: NavItem[] = [
  { path: "/repositories", label: "Repositories" },
  { path: "/trash", label: "Recently deleted", admin: true },
];

function Page({ path, account }: { path: string; account: Account }) {
  if (path === "/" || path === "/repositories" || path.startsWith("/repositories?")) return <Repositories account={account} />;
  const repository = after(path, "/repositories");
  if (repository) return <Repository name={repository} account={account} />;
  if (path === "/trash" && account.isAdmin) return <Trash />;
  return (
    <>
      <h1>Not found</h1>
      <p>
        There is no page at {path}. <a href={href("/repositories")}>See the repositories</a>.
      </p>
    </>
  );
}

function Shell({ session, onSignOut, children, path }: { session: SessionInfo; onSignOut: () => void; children: ComponentChildren; path: string }) {
  const account = session.account;
  const mainRef = useRef<HTMLElement>(null);
  const first = useRef(true);
  useEffect(() => {
    // Moving to another page moves the focus to it, as a page load would.
    if (first.current) first.current = false;
    else mainRef.current?.focus();
  }, [path]);
  return (
    <>
      <a class="skip-link" href="#main" onClick={(event) => (event.preventDefault(), mainRef.current?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href("/repositories")}>
          Berth
        </a>
        <nav aria-label="Main">
          <ul>
            {NAV.filter((item) => !item.admin || account?.isAdmin).map((item) => (
              <li key={item.path}>
                <a href={href(item.path)} aria-current={path === item.path || path.startsWith(`${item.path}/`) ? "page" : undefined}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="account">
          {session.signIn === "not-needed" ? (
            <span>No sign-in: this registry has no access control</span>
          ) : (
            <>
              <span>
                Signed in as <strong>{account?.name}</strong> ({account?.role})
              </span>
              <button type="button" onClick={onSignOut}>
                Sign out
              </button>
            </>
          )}
        </div>
      </header>
      <main id="main" ref={mainRef} tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

export function App() {
  const path = useRoute();
  const [session, setSession] = useState<SessionInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const accept = (info: SessionInfo) => {
    setCsrfToken(info.csrfToken);
    setSession(info);
  };
  const load = () =>
    get<SessionInfo>("session").then(accept, (caught: unknown) => setError(caught instanceof Error ? caught.message : String(caught)));

  useEffect(() => {
    void load();
    return onSignedOut(() => {
      setNotice("Your session has ended: please sign in again.");
      setCsrfToken(null);
      setSession((current) => (current ? { ...current, account: null, csrfToken: null } : current));
    });
  }, []);

  const signOut = async () => {
    try {
      await del("session");
    } finally {
      setNotice("You are signed out.");
      setCsrfToken(null);
      await load();
    }
  };

  if (error) return <ErrorMessage message={`The registry did not answer: ${error}`} />;
  if (!session) return <Loading what="the portal" />;
  if (session.signIn === "unavailable") {
    return (
      <main id="main">
        <h1>Berth</h1>
        <p>This registry's logins are decided by an external token issuer, so the portal cannot sign you in. Use the management API (/api/v0) with a token.</p>
      </main>
    );
  }
  if (!session.account) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(info) => {
          setNotice(null);
          accept(info);
        }}
      />
    );
  }
  return (
    <Shell session={session} onSignOut={() => void signOut()} path={path}>
      <Page path={path} account={session.account} />
    </Shell>
  );
}
