/** The portal's shell: who is signed in, the navigation, and the page the URL names. */
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { del, get, onSignedOut, setCsrfToken } from "./api";
import { ErrorMessage, Loading } from "./components/common";
import { Account as AccountPage } from "./pages/Account";
import { Organization, Organizations, Team } from "./pages/Organizations";
import { Events } from "./pages/Events";
import { Repositories } from "./pages/Repositories";
import { Repository } from "./pages/Repository";
import { Settings } from "./pages/Settings";
import { SignIn } from "./pages/SignIn";
import { Robots } from "./pages/Robots";
import { Trash } from "./pages/Trash";
import { Users } from "./pages/Users";
import { after, href, useRoute } from "./router";
import type { Account, SessionInfo } from "./types";

interface NavItem {
  path: string;
  label: string;
  /** Administrators only. */
  admin?: boolean;
  /** Only where Berth manages users, organizations and robots (auth.berth). */
  accessModel?: boolean;
}

const NAV: NavItem[] = [
  { path: "/repositories", label: "Repositories" },
  { path: "/orgs", label: "Organizations", accessModel: true },
  { path: "/robots", label: "Robot tokens", accessModel: true },
  { path: "/users", label: "Users", admin: true, accessModel: true },
  { path: "/trash", label: "Recently deleted", admin: true },
  { path: "/events", label: "Event log", admin: true },
  { path: "/settings", label: "Settings", admin: true },
];

function Page({ path, session, account }: { path: string; session: SessionInfo; account: Account }) {
  if (path === "/" || path === "/repositories" || path.startsWith("/repositories?")) return <Repositories account={account} />;
  const repository = after(path, "/repositories");
  if (repository) return <Repository name={repository} account={account} accessModel={session.accessModel} />;
  if (path === "/trash" && account.isAdmin) return <Trash />;
  if (path === "/events" && account.isAdmin) return <Events />;
  if (path === "/settings" && account.isAdmin) return <Settings />;
  if (session.accessModel) {
    if (path === "/orgs") return <Organizations account={account} />;
    const teamMatch = /^\/orgs\/([^/]+)\/teams\/([^/]+)$/.exec(path);
    if (teamMatch) return <Team org={decodeURIComponent(teamMatch[1] ?? "")} team={decodeURIComponent(teamMatch[2] ?? "")} />;
    const org = after(path, "/orgs");
    if (org && !org.includes("/")) return <Organization org={org} account={account} />;
    if (path === "/robots") return <Robots />;
    if (path === "/users" && account.isAdmin) return <Users />;
    if (path === "/account") return <AccountPage account={account} />;
  }
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
            {NAV.filter((item) => (!item.admin || account?.isAdmin) && (!item.accessModel || session.accessModel)).map((item) => (
              <li key={item.path}>
                <a href={href(item.path)} aria-current={path === item.path || path.startsWith(`${item.path}/`) ? "page" : undefined}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="account">
          <a href="api/docs/">API console</a>
          {session.signIn === "not-needed" ? (
            <span>No sign-in: this registry has no access control</span>
          ) : (
            <>
              <span>
                Signed in as{" "}
                {session.accessModel ? (
                  <a href={href("/account")} aria-label={`Your account: ${account?.name ?? ""}`}>
                    <strong>{account?.name}</strong>
                  </a>
                ) : (
                  <strong>{account?.name}</strong>
                )}{" "}
                ({account?.role})
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
      <Page path={path} session={session} account={session.account} />
    </Shell>
  );
}
