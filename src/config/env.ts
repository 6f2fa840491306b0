/**
 * REGISTRY_* environment overrides, by registry:2's rules (configuration/parser.go):
 * variables sorted by name (so REGISTRY_STORAGE comes before REGISTRY_STORAGE_S3_REGION),
 * the name after REGISTRY_ split on "_" into a key path, each part matched against the
 * upper-cased key names, the value read as YAML. Where the path meets a struct field it does
 * not know, the variable is ignored (registry:2 logs a warning); below a map it creates the
 * entry, lower-cased; below a list, a number picks (or, one past the end, appends) an element.
 *
 * Deliberate difference: setting an existing map entry replaces it whatever its case, where
 * registry:2 adds a lower-case twin (two values for one HTTP header, for example).
 */
import type * as z from "zod";
import { ConfigError } from "./errors.js";
import { shapeOf, type Shape } from "./shape.js";
import { expandShorthands } from "./storage.js";
import { parseYaml } from "./yaml.js";

const PREFIX = "REGISTRY_";
/** Names the config file; never an override. */
export const CONFIG_PATH_VARIABLE = "REGISTRY_CONFIGURATION_PATH";

/** Go field names that differ from their YAML keys, below free-form sections Berth keeps. */
const GO_FIELD_NAMES: Record<string, Record<string, string>> = {
  health: { FILECHECKERS: "file", HTTPCHECKERS: "http", TCPCHECKERS: "tcp" },
  notifications: { EVENTCONFIG: "events" },
};

export interface EnvOverrides {
  /** Key path ("http.addr") → the variable that set it, for error messages. */
  setBy: Map<string, string>;
  /** Variables that named no key. */
  ignored: string[];
}

type Key = string | number;
type Container = Record<string, unknown> | unknown[];

const isContainer = (value: unknown): value is Container => typeof value === "object" && value !== null;

/** An empty container for a new entry, or undefined when the schema wants a scalar there. */
function emptyFor(shape: Shape): Container | undefined {
  if (shape.kind === "list") return [];
  if (shape.kind === "scalar") return undefined;
  return {};
}

class Overlay {
  constructor(
    private readonly variable: string,
    private readonly value: unknown,
  ) {}

  /** Writes the value at `parts` below `node`; returns the key path written, or undefined if ignored. */
  assign(node: Container, shape: Shape, parts: string[], path: Key[]): Key[] | undefined {
    const [part = "", ...rest] = parts;
    if (Array.isArray(node)) return shape.kind === "list" || shape.kind === "free" ? this.index(node, shape, parts, path) : undefined;
    switch (shape.kind) {
      case "struct": {
        const key = Object.keys(shape.fields).find((name) => name.toUpperCase() === part);
        if (key !== undefined) return this.descend(node, key, shape.fields[key], rest, path);
        return shape.rest ? this.entry(node, shape.rest, parts, path) : undefined;
      }
      case "map":
        return this.entry(node, shape.value, parts, path);
      case "free":
        return this.entry(node, undefined, parts, path);
      default:
        return undefined;
    }
  }

  /** A map entry: an existing key matching in upper case, else a new lower-case one. */
  private entry(node: Record<string, unknown>, schema: z.core.$ZodType | undefined, parts: string[], path: Key[]): Key[] | undefined {
    const [part = "", ...rest] = parts;
    const alias = GO_FIELD_NAMES[path.join(".")]?.[part];
    const key = alias ?? Object.keys(node).find((name) => name.toUpperCase() === part) ?? part.toLowerCase();
    return this.descend(node, key, schema, rest, path, true);
  }

  private index(node: unknown[], shape: Shape, parts: string[], path: Key[]): Key[] | undefined {
    const [part = "", ...rest] = parts;
    const element = shape.kind === "list" ? shape.element : undefined;
    if (!/^\d+$/.test(part)) throw new ConfigError([`${this.variable}: ${JSON.stringify(part)} is not a list index (${path.join(".")} is a list)`]);
    const index = Number(part);
    if (index > node.length) throw new ConfigError([`${this.variable}: index ${index} is past the end of ${path.join(".")} (${node.length} elements)`]);
    return this.descend(node as unknown as Record<number, unknown>, index, element, rest, path, true);
  }

  /** Sets node[key] when no parts remain, else walks into it (creating it when missing). */
  private descend(
    node: Record<Key, unknown>,
    key: Key,
    schema: z.core.$ZodType | undefined,
    rest: string[],
    path: Key[],
    replaceScalars = false,
  ): Key[] | undefined {
    const here = [...path, key];
    if (rest.length === 0) {
      node[key] = this.value;
      return here;
    }
    const shape = shapeOf(schema);
    const existing = node[key];
    if (isContainer(existing)) return this.assign(existing, shape, rest, here);
    // A struct field holding a wrong value is left for validation to report.
    if (existing !== undefined && existing !== null && !replaceScalars) return undefined;
    const created = emptyFor(shape);
    if (created === undefined) return undefined;
    node[key] = created;
    return this.assign(created, shape, rest, here);
  }
}

/** Go's sort.Strings order: by UTF-16 code unit, which for variable names is byte order. */
const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Applies every REGISTRY_* variable of `env` to `tree` (a parsed config file), in place. */
export function applyEnvOverrides(tree: Record<string, unknown>, schema: z.core.$ZodType, env: NodeJS.ProcessEnv): EnvOverrides {
  const result: EnvOverrides = { setBy: new Map(), ignored: [] };
  const names = Object.keys(env).filter((name) => name.startsWith(PREFIX) && name !== CONFIG_PATH_VARIABLE).sort(byName);
  for (const name of names) {
    const raw = env[name];
    if (raw === undefined) continue;
    const overlay = new Overlay(name, parseYaml(raw, name));
    const written = overlay.assign(tree, shapeOf(schema), name.slice(PREFIX.length).split("_"), []);
    if (written === undefined) result.ignored.push(name);
    else result.setBy.set(written.join("."), name);
    expandShorthands(tree);
  }
  return result;
}
