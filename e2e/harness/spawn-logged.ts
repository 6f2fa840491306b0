/**
 * Starting a server whose stdout and stderr go to a log file. The child gets the file itself as
 * both, so it never waits on this process: with pipes drained by this process, a server that
 * wrote a burst of warnings after its stdout had closed (which ended the shared log stream, so the
 * pipe was no longer read) blocked on a full pipe and stopped serving — Swift's proxy, in the
 * middle of a benchmark, with every request left unanswered.
 */
import { closeSync, openSync } from "node:fs";
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";

export function spawnLogged(command: string, args: string[], logFile: string, options: Omit<SpawnOptions, "stdio"> = {}): ChildProcess {
  const fd = openSync(logFile, "a");
  try {
    return spawn(command, args, { ...options, stdio: ["ignore", fd, fd] });
  } finally {
    // The child holds its own copy of the descriptor.
    closeSync(fd);
  }
}
