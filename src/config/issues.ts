/** Zod issues → one line each: "<key path>: <problem>", plus the variable that set the key, if any. */
import type * as z from "zod";
import { describe } from "./fields.js";

/** Zod's type names in the words of a YAML file. */
const TYPE_NAMES: Record<string, string> = {
  object: "a map",
  record: "a map",
  array: "a list",
  boolean: "true or false",
  int: "an integer",
  number: "a number",
  string: "a string",
};

function problem(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined ? "required" : `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}, got ${describe(issue.input)}`;
    case "invalid_value":
      return issue.values.length === 1
        ? `expected ${JSON.stringify(issue.values[0])}, got ${describe(issue.input)}`
        : `expected one of ${issue.values.map((value) => JSON.stringify(value)).join(", ")}, got ${describe(issue.input)}`;
    case "too_small":
      return `expected ${issue.inclusive === false ? "more than" : "at least"} ${String(issue.minimum)}, got ${describe(issue.input)}`;
    case "too_big":
      return `expected ${issue.inclusive === false ? "less than" : "at most"} ${String(issue.maximum)}, got ${describe(issue.input)}`;
    default:
      return issue.message;
  }
}

/**
 * Which variables to name: the one that set this key or a section holding it, else those
 * that set keys inside it (REGISTRY_STORAGE_GCS_BUCKET, for a problem with storage.gcs).
 */
function variablesNote(path: string[], setBy: ReadonlyMap<string, string>): string {
  for (let length = path.length; length > 0; length -= 1) {
    const variable = setBy.get(path.slice(0, length).join("."));
    if (variable) return ` (set by ${variable})`;
  }
  const below = [...setBy].filter(([key]) => key.startsWith(`${path.join(".")}.`)).map(([, variable]) => variable);
  return below.length > 0 && path.length > 0 ? ` (see ${below.join(", ")})` : "";
}

function line(path: string[], text: string, setBy: ReadonlyMap<string, string>): string {
  const where = path.length === 0 ? "config" : path.join(".");
  return `${where}: ${text}${variablesNote(path, setBy)}`;
}

export function formatIssues(issues: readonly z.core.$ZodIssue[], setBy: ReadonlyMap<string, string>): string[] {
  return issues.flatMap((issue) => {
    const path = issue.path.map(String);
    if (issue.code === "unrecognized_keys") return issue.keys.map((key) => line([...path, key], "unknown key", setBy));
    if (issue.code === "invalid_key") {
      const inner = issue.issues[0];
      return [line(path, inner ? inner.message : issue.message, setBy)];
    }
    return [line(path, problem(issue), setBy)];
  });
}
