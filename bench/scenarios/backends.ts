/**
 * Object-store backends (issue 3), each on a real server started on loopback: push and pull of
 * one large blob through the registry, pull redirected to the store (307 to a temp URL, presigned
 * URL or SAS), and peak RSS during concurrent uploads. registry:2.8 (Debian's docker-registry)
 * runs beside Berth on Swift and on S3 (Swift's s3api); it has no azure driver, so Azure rows
 * show Berth alone. Pushes are the way docker sends a layer (one streamed PATCH); redirects do not
 * apply to them, so there is one push row per backend.
 */
import { startAzurite } from "../../e2e/harness/azurite.js";
import { inspectS3, s3RegistryEnv, swiftS3 } from "../../e2e/harness/s3.js";
import { startSwift, swiftRegistryEnv, type RunningSwift } from "../../e2e/harness/swift.js";
import { PatternBlob } from "../data.js";
import { pullBlob, pullBlobRedirected, pushBlobStreamed } from "../registry-client.js";
import type { Side } from "../servers.js";
import { SIDES, fmtMiB, hashAll, throughputScenario, type Scenario, type ScenarioContext, type SidesSetup } from "./common.js";
import { measureUploadMemory, memoryRows } from "./memory.js";

/** The REGISTRY_* variables of a new server of `side`: its own container or root on the store, redirects on or off. */
export type StorageEnv = (side: Side, redirect: boolean) => Promise<Record<string, string>>;

export interface Backend {
  /** The scenario's name (for --only) and the rows' prefix. */
  name: string;
  title: string;
  sides: readonly Side[];
  /** Distinct seeds per backend, so no blob is ever already stored. */
  seedBase: number;
  connect(context: ScenarioContext): Promise<StorageEnv>;
}

/** Names no earlier server of this run used: every server starts on empty storage. */
let serial = 0;
function fresh(side: Side): string {
  return `bench-${side}-${++serial}-${process.pid}`;
}

/** One Swift for the swift and s3 scenarios (starting it takes a minute or more on a busy machine). */
function sharedSwift(context: ScenarioContext): Promise<RunningSwift> {
  return context.shared("swift", async () => {
    context.progress("starting OpenStack Swift (with s3api) on loopback");
    return startSwift();
  });
}

const redirectEnv = (redirect: boolean) => ({ REGISTRY_STORAGE_REDIRECT_DISABLE: String(!redirect) });

export const swiftBackend: Backend = {
  name: "swift",
  title: "Swift",
  sides: SIDES,
  seedBase: 6000,
  async connect(context) {
    const swift = await sharedSwift(context);
    return async (side, redirect) => ({ ...swiftRegistryEnv(swift, { container: fresh(side) }), ...redirectEnv(redirect) });
  },
};

export const s3Backend: Backend = {
  name: "s3",
  title: "S3 (Swift s3api)",
  sides: SIDES,
  seedBase: 7000,
  async connect(context) {
    const server = swiftS3(await sharedSwift(context));
    const inspector = inspectS3(server);
    const bucket = "berth-bench";
    try {
      await inspector.createBucket(bucket);
    } finally {
      inspector.client.destroy();
    }
    return async (side, redirect) => ({ ...s3RegistryEnv(server, { bucket, rootdirectory: `/${fresh(side)}` }), ...redirectEnv(redirect) });
  },
};

export const azureBackend: Backend = {
  name: "azure",
  title: "Azure (azurite)",
  sides: ["berth"],
  seedBase: 8000,
  async connect(context) {
    const azurite = await context.shared("azurite", async () => {
      context.progress("starting azurite (blob service, data on disk) on loopback");
      return startAzurite({ onDisk: true });
    });
    return async (side, redirect) => ({
      REGISTRY_STORAGE: "azure",
      REGISTRY_STORAGE_AZURE_ACCOUNTNAME: azurite.accountName,
      REGISTRY_STORAGE_AZURE_ACCOUNTKEY: azurite.accountKey,
      REGISTRY_STORAGE_AZURE_CONTAINER: fresh(side),
      REGISTRY_STORAGE_AZURE_SERVICEURL: azurite.serviceUrl,
      ...redirectEnv(redirect),
    });
  },
};

export function backendScenario(backend: Backend): Scenario {
  return {
    name: backend.name,
    description: `${backend.title}: push, pull (through the registry and redirected), peak RSS during concurrent uploads`,
    async run(context) {
      const { backendBlobSize: size, backendRuns: runs, warmupSize } = context.config;
      const storageEnv = await backend.connect(context);
      const setup = (redirect: boolean): SidesSetup & { runs: number } => ({ sides: backend.sides, runs, env: (side) => storageEnv(side, redirect) });
      const repo = `bench/${backend.name}`;
      const seed = backend.seedBase;
      const pushed = Array.from({ length: runs }, (_, run) => new PatternBlob(seed + run, size));
      const warm = new PatternBlob(seed + 100, warmupSize);
      const pulled = new PatternBlob(seed + 200, size);
      hashAll(context, [...pushed, warm, pulled]);
      const pushFirst = async (client: Parameters<typeof pushBlobStreamed>[0], side: Side) => {
        context.progress(`${side}: pushing the ${fmtMiB(size)} blob to pull`);
        await pushBlobStreamed(client, repo, pulled);
      };

      const push = await throughputScenario(
        context,
        { id: `${backend.name}-push`, label: `${backend.title}: push ${fmtMiB(size)} (streamed PATCH)`, unit: "MB/s", better: "higher" },
        {
          warmup: (client) => pushBlobStreamed(client, repo, warm),
          operation: async (client, run) => {
            const blob = pushed[run] as PatternBlob;
            await pushBlobStreamed(client, repo, blob);
            return blob.size;
          },
        },
        setup(false),
      );
      const proxied = await throughputScenario(
        context,
        { id: `${backend.name}-pull`, label: `${backend.title}: pull ${fmtMiB(size)}, through the registry`, unit: "MB/s", better: "higher" },
        {
          setup: pushFirst,
          warmup: async (client) => void (await pullBlob(client, repo, pulled.digest(), pulled.size)),
          operation: (client) => pullBlob(client, repo, pulled.digest(), pulled.size),
        },
        setup(false),
      );
      const redirected = await throughputScenario(
        context,
        { id: `${backend.name}-pull-redirect`, label: `${backend.title}: pull ${fmtMiB(size)}, redirected to storage`, unit: "MB/s", better: "higher" },
        {
          setup: pushFirst,
          warmup: async (client) => void (await pullBlobRedirected(client, repo, pulled.digest(), pulled.size)),
          operation: (client) => pullBlobRedirected(client, repo, pulled.digest(), pulled.size),
        },
        setup(true),
      );
      const load = { uploads: context.config.backendRssUploads, size: context.config.backendRssUploadSize, seedBase: seed + 300 };
      const memory = await measureUploadMemory(context, load, { sides: backend.sides, env: (side) => storageEnv(side, false) });
      return {
        rows: [...push.rows, ...proxied.rows, ...redirected.rows, ...memoryRows(memory, load, { id: backend.name, label: backend.title }, false)],
        details: { push: push.details, pull: proxied.details, pullRedirected: redirected.details, memory },
      };
    },
  };
}

export const swift = backendScenario(swiftBackend);
export const s3 = backendScenario(s3Backend);
export const azure = backendScenario(azureBackend);
