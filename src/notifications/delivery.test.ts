import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { NotificationEndpointConfig } from "../config/types.js";
import { SqliteMetadataStore } from "../metadata/sqlite.js";
import { NotificationDispatcher } from "./dispatcher.js";
import { EVENTS_MEDIA_TYPE } from "./events.js";
import { testEvent } from "./test-events.js";
import { TestReceiver } from "./test-receiver.js";

const logger = pino({ level: "silent" });
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function endpoint(name: string, url: string, overrides: Partial<NotificationEndpointConfig> = {}): NotificationEndpointConfig {
  return { name, url, disabled: false, headers: {}, timeout: 500, threshold: 2, backoff: 50, ignore: { mediatypes: [], actions: [] }, ...overrides };
}

async function receiver(): Promise<TestReceiver> {
  const started = new TestReceiver();
  await started.start();
  cleanups.push(() => started.stop());
  return started;
}

async function dispatcher(endpoints: NotificationEndpointConfig[]) {
  const store = new SqliteMetadataStore(":memory:");
  const delivered: Record<string, number> = {};
  const failed: Record<string, number> = {};
  const running = new NotificationDispatcher({
    endpoints,
    outbox: store.outbox,
    logger,
    observer: {
      delivered: (name, count) => (delivered[name] = (delivered[name] ?? 0) + count),
      failed: (name) => (failed[name] = (failed[name] ?? 0) + 1),
    },
  });
  await running.start();
  cleanups.push(async () => {
    await running.stop(0);
    await store.close();
  });
  return { store, running, delivered, failed };
}

const ids = (events: { id: string }[]) => events.map((event) => event.id);

describe("notification delivery to a real HTTP receiver", () => {
  it("POSTs registry:2 envelopes with the endpoint's headers, in order, each event once", async () => {
    const hook = await receiver();
    const { store, running, delivered } = await dispatcher([endpoint("hook", hook.url, { headers: { Authorization: ["Bearer secret"] } })]);
    const events = Array.from({ length: 120 }, () => testEvent());
    await store.outbox.append(events.slice(0, 60));
    await store.outbox.append(events.slice(60));
    await hook.waitFor(() => hook.received().length >= 120);
    expect(ids(hook.received())).toEqual(ids(events));
    expect(hook.received()[0]).toEqual(events[0]);
    for (const post of hook.posts) {
      expect(post.headers["content-type"]).toBe(EVENTS_MEDIA_TYPE);
      expect(post.headers.authorization).toBe("Bearer secret");
      expect(post.envelope.events.length).toBeLessThanOrEqual(50);
    }
    await hook.waitFor(() => delivered.hook === 120);
    const [status] = await running.status();
    expect(status).toMatchObject({ name: "hook", url: hook.url, queued: 0, delivered: 120, failing: false, lastError: null });
  });

  it("retries after 500s with the same events, reports the failure meanwhile, and recovers", async () => {
    const hook = await receiver();
    hook.mode = { kind: "status", status: 500 };
    const { store, running, failed } = await dispatcher([endpoint("hook", hook.url, { threshold: 3, backoff: 200 })]);
    const events = [testEvent(), testEvent()];
    await store.outbox.append(events);
    await hook.waitFor(() => hook.posts.length >= 4);
    const [failing] = await running.status();
    expect(failing).toMatchObject({ failing: true, queued: 2, lastError: "response status 500 Internal Server Error" });
    expect(failing?.consecutiveFailures).toBeGreaterThanOrEqual(3);
    hook.mode = { kind: "ok" };
    await hook.waitFor(() => hook.acknowledged().length === 2);
    expect(ids(hook.acknowledged())).toEqual(ids(events));
    // Every attempt carried the same events in the same order.
    for (const post of hook.posts) expect(ids(post.envelope.events)).toEqual(ids(events));
    expect(failed.hook).toBeGreaterThanOrEqual(4);
    await hook.waitFor(async () => (await running.status())[0]?.queued === 0);
    const [recovered] = await running.status();
    expect(recovered).toMatchObject({ failing: false, queued: 0, consecutiveFailures: 0 });
  });

  it("waits `backoff` between tries once `threshold` tries in a row have failed", async () => {
    const hook = await receiver();
    hook.mode = { kind: "status", status: 503 };
    const started = Date.now();
    const { store } = await dispatcher([endpoint("hook", hook.url, { threshold: 2, backoff: 300 })]);
    await store.outbox.append([testEvent()]);
    await hook.waitFor(() => hook.posts.length >= 4, 5_000);
    // Tries: 1, 2 at once; then 3 after 300 ms, 4 after 600 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
  });

  it("counts an answer later than `timeout` as a failure and sends the same events again", async () => {
    const hook = await receiver();
    hook.mode = { kind: "slow", delayMs: 400 };
    const { store, running } = await dispatcher([endpoint("hook", hook.url, { timeout: 100, threshold: 1, backoff: 100 })]);
    const event = testEvent();
    await store.outbox.append([event]);
    await hook.waitFor(() => hook.posts.length >= 2);
    const [status] = await running.status();
    expect(status?.lastError).toBe("no answer within 100 ms");
    hook.mode = { kind: "ok" };
    await hook.waitFor(async () => (await running.status())[0]?.queued === 0 && hook.posts.at(-1)?.answered === 200);
    // Redelivered with the same id: a receiver dedupes by it.
    expect(new Set(ids(hook.received()))).toEqual(new Set([event.id]));
  });

  it("keeps events while the receiver is down and delivers them all when it is back", async () => {
    const hook = await receiver();
    const port = hook.port;
    await hook.stop();
    const { store, running } = await dispatcher([endpoint("hook", `http://127.0.0.1:${port}/events`, { threshold: 2, backoff: 50 })]);
    const events = Array.from({ length: 10 }, () => testEvent());
    await store.outbox.append(events);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const [down] = await running.status();
    expect(down).toMatchObject({ failing: true, queued: 10 });
    expect(down?.lastError).toMatch(/ECONNREFUSED/);
    await hook.start(port);
    await hook.waitFor(() => hook.received().length >= 10);
    expect(ids(hook.received())).toEqual(ids(events));
  });

  it("serves each endpoint on its own: one failing endpoint does not hold up another", async () => {
    const good = await receiver();
    const bad = await receiver();
    bad.mode = { kind: "status", status: 500 };
    const { store } = await dispatcher([endpoint("good", good.url), endpoint("bad", bad.url, { backoff: 1_000 })]);
    const events = Array.from({ length: 5 }, () => testEvent());
    await store.outbox.append(events);
    await good.waitFor(() => good.received().length === 5);
    expect(ids(good.received())).toEqual(ids(events));
    expect(bad.acknowledged()).toEqual([]);
    expect((await store.outbox.pending("bad", 10)).length).toBe(5);
  });

  it("skips what an endpoint ignores and moves its cursor past it", async () => {
    const hook = await receiver();
    const { store, running } = await dispatcher([
      endpoint("hook", hook.url, { ignore: { actions: ["pull"], mediatypes: ["application/octet-stream"] } }),
    ]);
    const kept = testEvent();
    await store.outbox.append([testEvent({ action: "pull" }), testEvent({ mediaType: "application/octet-stream" }), kept]);
    await hook.waitFor(() => hook.received().length >= 1);
    expect(ids(hook.received())).toEqual([kept.id]);
    await hook.waitFor(async () => (await running.status())[0]?.queued === 0);
  });

  it("stop() delivers what is queued within the drain time, and gives up on a dead receiver in time", async () => {
    const hook = await receiver();
    const store = new SqliteMetadataStore(":memory:");
    cleanups.push(() => store.close());
    const running = new NotificationDispatcher({ endpoints: [endpoint("hook", hook.url), endpoint("dead", "http://127.0.0.1:9/")], outbox: store.outbox, logger });
    await running.start();
    const events = Array.from({ length: 30 }, () => testEvent());
    await store.outbox.append(events);
    const started = Date.now();
    await running.stop(1_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(ids(hook.received())).toEqual(ids(events));
    expect(await store.outbox.pending("dead", 100)).toHaveLength(30);
  });
});
