/** Events for tests: a registry:2-shaped event with a given id, action and media type. */
import type { EventAction, NotificationEvent } from "./events.js";

let counter = 0;

export function testEvent(overrides: { id?: string; action?: EventAction; mediaType?: string; repository?: string } = {}): NotificationEvent {
  counter++;
  return {
    id: overrides.id ?? `event-${counter}`,
    timestamp: new Date().toISOString(),
    action: overrides.action ?? "push",
    target: {
      mediaType: overrides.mediaType ?? "application/vnd.oci.image.manifest.v1+json",
      digest: `sha256:${String(counter).padStart(64, "0")}`,
      size: counter,
      repository: overrides.repository ?? "library/test",
    },
    request: { id: `request-${counter}`, addr: "127.0.0.1:1", host: "registry", method: "PUT", useragent: "test" },
    actor: {},
    source: { addr: "host:5000", instanceID: "instance" },
  };
}
