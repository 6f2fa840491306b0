/** `berth <args>` from dist/ against a database, with stdin: how e2e tests create the first administrator. */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { PROJECT_ROOT } from "./servers.js";

export function berthCli(database: string, args: string[], input: string, env: Record<string, string> = { REGISTRY_AUTH_BERTH_MODE: "token" }): Promise<string> {
  return new Promise((resolveRun, reject) => {
    const child = execFile(
      process.execPath,
      [join(PROJECT_ROOT, "dist", "src", "main.js"), ...args],
      { env: { ...process.env, REGISTRY_DATABASE_PATH: database, ...env } },
      (error, stdout, stderr) => (error ? reject(new Error(`berth ${args.join(" ")}: ${stderr}`)) : resolveRun(stdout)),
    );
    child.stdin?.end(input);
  });
}
