/**
 * Vitest global setup of the e2e project: build Berth to dist/ once, since every e2e test
 * starts the real server (`node dist/src/main.js serve`).
 */
import { execFileSync } from "node:child_process";
import { PROJECT_ROOT } from "./harness/servers.js";

export default function setup(): void {
  execFileSync("npm", ["run", "build"], { cwd: PROJECT_ROOT, stdio: "inherit" });
}
