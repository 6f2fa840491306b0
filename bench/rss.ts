/**
 * Resident memory of a server process (and any children it forks), read from /proc.
 */
import { readFileSync, readdirSync } from "node:fs";

export interface ProcStatusMemory {
  /** Current resident set, bytes. */
  rss: number;
  /** Peak resident set over the process's life ("high water mark"), bytes. */
  hwm: number;
}

/** Parses VmRSS and VmHWM (reported in kB) out of /proc/<pid>/status text. */
export function parseProcStatus(text: string): ProcStatusMemory {
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, "m").exec(text);
    if (!match?.[1]) throw new Error(`/proc status has no ${name}`);
    return Number(match[1]) * 1024;
  };
  return { rss: field("VmRSS"), hwm: field("VmHWM") };
}

export function readMemory(pid: number): ProcStatusMemory {
  return parseProcStatus(readFileSync(`/proc/${pid}/status`, "utf8"));
}

/** The pid and its descendants (threads' children lists, walked recursively). */
export function processTree(pid: number): number[] {
  const seen: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const current = queue.shift() as number;
    if (seen.includes(current)) continue;
    seen.push(current);
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${current}/task`);
    } catch {
      continue; // gone
    }
    for (const task of tasks) {
      try {
        const children = readFileSync(`/proc/${current}/task/${task}/children`, "utf8").trim();
        if (children) queue.push(...children.split(/\s+/).map(Number));
      } catch {
        // thread gone
      }
    }
  }
  return seen;
}

export interface RssSummary {
  /** Largest sampled sum of VmRSS over the process tree, bytes. */
  peakSampled: number;
  /** VmHWM of the server process at the end (its whole life, so start fresh processes), bytes. */
  hwm: number;
  /** Sum of children's VmHWM (0 when the server forks nothing), bytes. */
  childrenHwm: number;
  samples: number;
  /** Mean time between samples actually achieved, ms. */
  meanIntervalMs: number;
  /** Processes seen in the tree at some point. */
  processes: number;
}

/** Samples the tree's VmRSS every `intervalMs` until stop() is called. */
export class RssSampler {
  private readonly timer: NodeJS.Timeout;
  private peak = 0;
  private count = 0;
  private readonly started = Date.now();
  private tree: number[];
  private readonly everSeen = new Set<number>();
  private lastTreeRefresh = 0;

  constructor(
    private readonly pid: number,
    intervalMs = 50,
  ) {
    this.tree = processTree(pid);
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  private sample(): void {
    const now = Date.now();
    if (now - this.lastTreeRefresh > 1000) {
      this.tree = processTree(this.pid);
      this.lastTreeRefresh = now;
    }
    let total = 0;
    for (const pid of this.tree) {
      try {
        total += readMemory(pid).rss;
        this.everSeen.add(pid);
      } catch {
        // exited between listing and reading
      }
    }
    this.peak = Math.max(this.peak, total);
    this.count++;
  }

  stop(): RssSummary {
    clearInterval(this.timer);
    this.sample();
    const elapsed = Date.now() - this.started;
    let childrenHwm = 0;
    for (const pid of processTree(this.pid)) {
      if (pid === this.pid) continue;
      try {
        childrenHwm += readMemory(pid).hwm;
      } catch {
        // gone
      }
    }
    return {
      peakSampled: this.peak,
      hwm: readMemory(this.pid).hwm,
      childrenHwm,
      samples: this.count,
      meanIntervalMs: this.count > 1 ? elapsed / (this.count - 1) : elapsed,
      processes: this.everSeen.size,
    };
  }
}
