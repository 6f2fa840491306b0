import { defineConfig } from "vitest/config";

// Two projects: unit tests beside the code (fast, in-process) and end-to-end tests
// with real servers and clients (dockerd, skopeo, docker-registry), run one file at a time.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["src/**/*.test.ts", "storage-drivers/**/*.test.ts", "conformance/**/*.test.ts", "bench/**/*.test.ts"],
          testTimeout: 30_000,
          // Some unit files start a real emulator (azurite) in beforeAll: seconds when quiet, more on a loaded CI machine.
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["e2e/**/*.test.ts"],
          globalSetup: ["e2e/global-setup.ts"],
          testTimeout: 600_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
