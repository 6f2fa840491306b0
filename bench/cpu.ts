/**
 * CPU time a server process (and its children) has used, read from /proc: a figure the load
 * other work puts on a shared machine barely moves, unlike wall-clock throughput.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { processTree } from "./rss.js";

/** Clock ticks per second of /proc's time fields (USER_HZ; 100 on every common Linux). */
let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** utime + stime, in clock ticks, out of /proc/<pid>/stat text (the command name may hold spaces and parentheses). */
export function parseProcStatTicks(text: string): number {
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // After the name: state is field 3 of stat(5), so utime (14) and stime (15) are at 11 and 12 here.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`unexpected /proc stat line: ${text.slice(0, 120)}`);
  return utime + stime;
}

/** CPU seconds used so far by the process and its live descendants. */
export function treeCpuSeconds(pid: number): number {
  let ticks = 0;
  for (const member of processTree(pid)) {
    try {
      ticks += parseProcStatTicks(readFileSync(`/proc/${member}/stat`, "utf8"));
    } catch {
      // exited between listing and reading
    }
  }
  return ticks / clockTicks();
}
