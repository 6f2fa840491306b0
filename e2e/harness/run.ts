/** Running client programs (docker, skopeo) from tests. */
import { execFile } from "node:child_process";

/** Runs a program and resolves with its stdout; the error names the command, exit code and stderr. */
export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolveRun, reject) => {
    execFile(command, args, { ...options, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`${command} ${args.join(" ")} failed (${error.code ?? error.signal ?? "error"}):\n${stderr || stdout}`));
      } else {
        resolveRun(stdout);
      }
    });
  });
}
