/**
 * The benchmark scenarios, in the order they run. Each runs the same client code, on the
 * same data, against Berth and registry:2 and returns table rows plus raw samples.
 */
import { azure, s3, swift } from "./backends.js";
import { pull, pushChunked, pushMonolithic } from "./blobs.js";
import { catalog } from "./catalog.js";
import { cluster } from "./cluster.js";
import type { Scenario } from "./common.js";
import { gc } from "./gc.js";
import { manifestGet } from "./manifest.js";
import { memory } from "./memory.js";

export type { Scenario, ScenarioContext, ScenarioResult } from "./common.js";

/** Garbage collection last: removing its ~100,000 files goes on in the background after the run. */
export const SCENARIOS: readonly Scenario[] = [pushMonolithic, pushChunked, pull, manifestGet, catalog, memory, swift, s3, azure, cluster, gc];
