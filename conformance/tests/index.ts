/** Every test, in the order a run executes them. */
import type { ConformanceTest } from "../suite.js";
import { discoveryTests } from "./discovery.js";
import { hostileTests } from "./hostile.js";
import { managementTests } from "./management.js";
import { apiTests, pullTests } from "./pull.js";
import { pushBlobTests } from "./push-blobs.js";
import { pushManifestTests } from "./push-manifests.js";

export const ALL_TESTS: readonly ConformanceTest[] = [
  ...apiTests,
  ...pullTests,
  ...pushBlobTests,
  ...pushManifestTests,
  ...discoveryTests,
  ...managementTests,
  ...hostileTests,
];
