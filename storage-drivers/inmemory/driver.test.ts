import { createDriver } from "../index.js";
import { runDriverSuite } from "../suite.js";

runDriverSuite("inmemory", async () => ({ driver: createDriver("inmemory", {}), cleanup: async () => undefined }));
