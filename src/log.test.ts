import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./log.js";
import { toTextLine } from "./log-text.js";

function capture(formatter: "json" | "text", fields: Record<string, unknown> = {}) {
  const out = new PassThrough();
  let text = "";
  out.on("data", (chunk: Buffer) => (text += chunk.toString()));
  const logger = createLogger({ level: "info", formatter, fields, accesslog: { disabled: false } }, out);
  return { logger, lines: () => text.trimEnd().split("\n") };
}

describe("logs", () => {
  it("json: one object per line with level, time, message and the configured fields", () => {
    const { logger, lines } = capture("json", { environment: "prod" });
    logger.info({ repository: "app" }, "pushed");
    logger.debug("not at info");
    const [line, ...rest] = lines();
    expect(rest).toEqual([]);
    expect(JSON.parse(line ?? "")).toMatchObject({ level: "info", msg: "pushed", repository: "app", environment: "prod", service: "berth", time: expect.any(String) });
  });

  it("text: registry:2's time=… level=… msg=… then sorted key=value pairs, quoted when needed", () => {
    const { logger, lines } = capture("text", { service: "registry" });
    logger.warn({ url: "/v2/a b", status: 503, err: new Error("disk gone") }, "request failed");
    const [line] = lines();
    expect(line).toMatch(/^time=\S+ level=warn msg="request failed" /);
    expect(line).toContain(' err="disk gone" ');
    expect(line).toContain(" service=registry ");
    expect(line).toContain(" status=503 ");
    expect(line).toContain(' url="/v2/a b"');
    const keys = [...(line ?? "").matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g)].map((match) => match[1]).slice(3);
    expect(keys).toEqual(["err", "service", "status", "url"]);
  });

  it("passes through a line that is not JSON", () => {
    expect(toTextLine("plain\n")).toBe("plain\n");
    expect(toTextLine('{"level":"info","msg":"m","time":"t","nested":{"a":1}}')).toBe('time=t level=info msg="m" nested="{\\"a\\":1}"\n');
  });
});
