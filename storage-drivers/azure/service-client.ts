/**
 * The BlobServiceClient the driver talks through: from a connection string or a shared key, one
 * SDK try per call (retries are ours, retry.ts), and requests sent through Berth's keep-alive
 * agents instead of the SDK's own, for the socket guard they carry (../keep-alive-agents.ts).
 */
import { BlobServiceClient, newPipeline, StorageSharedKeyCredential, type RequestPolicyFactory, type StoragePipelineOptions } from "@azure/storage-blob";
import { keepAliveAgents, type KeepAliveAgents } from "../keep-alive-agents.js";
import type { AzureConnection } from "./config.js";

const PIPELINE: StoragePipelineOptions = { retryOptions: { maxTries: 1 }, userAgentOptions: { userAgentPrefix: "berth" } };

/** Gives each request the agent for its protocol (the SDK's HTTP client uses a request's agent when it has one). */
function agentPolicy(agents: KeepAliveAgents): RequestPolicyFactory {
  return {
    create: (next) => ({
      sendRequest: (request) => {
        request.agent ??= request.url.startsWith("https:") ? agents.https : agents.http;
        return next.sendRequest(request);
      },
    }),
  };
}

export function createServiceClient(connection: AzureConnection): { service: BlobServiceClient; agents: KeepAliveAgents } {
  // Built once the SDK's way to resolve the endpoint and credential (a connection string may hold a key or a SAS)...
  const parsed =
    connection.kind === "connectionString"
      ? BlobServiceClient.fromConnectionString(connection.connectionString, PIPELINE)
      : new BlobServiceClient(connection.serviceUrl, new StorageSharedKeyCredential(connection.accountName, connection.accountKey), PIPELINE);
  // ...then again on a pipeline with the agents. The SDK's default agents have no socket cap either.
  const agents = keepAliveAgents({ maxSockets: Infinity, rejectUnauthorized: true });
  const pipeline = newPipeline(parsed.credential, PIPELINE);
  pipeline.factories.push(agentPolicy(agents));
  return { service: new BlobServiceClient(parsed.url, pipeline), agents };
}
