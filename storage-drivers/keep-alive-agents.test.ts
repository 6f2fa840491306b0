import http from "node:http";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keepAliveAgents } from "./keep-alive-agents.js";

/**
 * A store that answers every request in full (keep-alive) before reading its body, then drops the
 * connection: the last body write fails after the answer. With Node's own agents that error is
 * emitted on a socket nothing listens to and kills the process (vitest reports it as an unhandled
 * error, failing this file).
 */
let server: Server;
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    let head = "";
    socket.on("data", (data) => {
      head += data.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      socket.pause();
      socket.write("HTTP/1.1 503 Slow Down\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n", () => socket.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

function put(agent: http.Agent, body: Buffer): Promise<string> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve) => {
    const req = http.request({ host: "127.0.0.1", port, method: "PUT", path: "/part", agent, headers: { "content-length": body.length } }, (res) => {
      res.resume();
      res.on("end", () => resolve(String(res.statusCode)));
    });
    req.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
    req.end(body);
  });
}

describe("keepAliveAgents", () => {
  it("survives a store that answers before the body is written and then drops the connection", async () => {
    const agents = keepAliveAgents({ maxSockets: 4, rejectUnauthorized: true });
    const body = Buffer.alloc(16 * 1024 * 1024);
    const outcomes: string[] = [];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = 0; i < 10; i++) outcomes.push(await put(agents.http, body));
      }),
    );
    // Let any error emitted after the answers surface before the test ends.
    await new Promise((resolve) => setTimeout(resolve, 200));
    agents.http.destroy();
    expect(outcomes).toHaveLength(40);
    expect(outcomes.filter((outcome) => outcome === "503").length).toBeGreaterThan(0);
  });

  it("caps sockets at maxSockets and passes the TLS setting on", () => {
    const agents = keepAliveAgents({ maxSockets: 7, rejectUnauthorized: false });
    expect(agents.http.maxSockets).toBe(7);
    expect(agents.https.maxSockets).toBe(7);
    expect(agents.https.options.rejectUnauthorized).toBe(false);
    expect(agents.https.options.keepAlive).toBe(true);
  });
});
