/**
 * YAML as registry:2 reads it (Go's yaml.v2, YAML 1.1): yes/no/on/off are booleans,
 * `<<` merges, duplicate keys are errors. Two 1.1 features yaml.v2 does not apply to
 * untyped values are turned off: sexagesimal numbers (1:30) and timestamps stay strings.
 */
import { parseDocument, type Tags } from "yaml";
import { ConfigError } from "./errors.js";

function withoutSexagesimalAndTimestamps(tags: Tags): Tags {
  return tags.filter((tag) => typeof tag === "string" || (tag.format !== "TIME" && tag.tag !== "tag:yaml.org,2002:timestamp"));
}

/** Parses one YAML document; `source` (a file name or a variable name) prefixes any error. */
export function parseYaml(text: string, source: string): unknown {
  const doc = parseDocument(text, { version: "1.1", merge: true, customTags: withoutSexagesimalAndTimestamps });
  const [error] = doc.errors;
  if (error) {
    // The first line of the message already says "at line L, column C:".
    const reason = error.message.split("\n")[0]?.replace(/:$/, "") ?? error.code;
    throw new ConfigError([`${source}: invalid YAML: ${reason}`]);
  }
  return doc.toJS({ maxAliasCount: 100 });
}
