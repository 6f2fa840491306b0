/** Wiring of portal sessions: the session store over the metadata database, and the controller that accepts them. */
import type { AccessController } from "../../auth/controller.js";
import { SessionAwareController, type PortalSignIn } from "../../auth/session-controller.js";
import { Sessions } from "../../auth/sessions.js";
import type { Config } from "../../config/types.js";
import type { MetadataStore } from "../../metadata/store.js";

export interface PortalSessions {
  sessions: Sessions;
  signIn: PortalSignIn;
  controller: SessionAwareController;
}

export function portalSessions(inner: AccessController, signIn: PortalSignIn, metadata: MetadataStore, config: Config): PortalSessions {
  const sessions = new Sessions(metadata.sessions, config.ui.session);
  return { sessions, signIn, controller: new SessionAwareController(inner, sessions, signIn) };
}
