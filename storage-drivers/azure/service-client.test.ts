import { describe, expect, it } from "vitest";
import { uniqueName, useAzurite } from "./azurite-fixture.js";
import { createServiceClient } from "./service-client.js";

const azurite = useAzurite();

describe("createServiceClient", () => {
  it("sends the SDK's requests through Berth's keep-alive agents", async () => {
    const server = await azurite();
    const { service, agents } = createServiceClient({ kind: "sharedKey", serviceUrl: server.serviceUrl, accountName: server.accountName, accountKey: server.accountKey });
    const container = service.getContainerClient(uniqueName("agents"));
    await container.create();
    await container.getBlockBlobClient("x").upload("hello", 5);
    const pooled = Object.values(agents.http.freeSockets).flat().length + Object.values(agents.http.sockets).flat().length;
    expect(pooled).toBeGreaterThan(0);
    expect((await container.getBlobClient("x").downloadToBuffer()).toString()).toBe("hello");
    agents.http.destroy();
  });
});
