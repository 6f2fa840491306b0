/**
 * What the environment overlay needs to know about a schema position: registry:2 walks
 * its Go structs the same way — a struct ignores names it lacks, a map creates entries,
 * a list takes an index, a scalar takes the value.
 */
import type * as z from "zod";

type Schema = z.core.$ZodType;

export type Shape =
  /** Known keys; `rest` (a catch-all) takes any other key as a map would. */
  | { kind: "struct"; fields: Readonly<Record<string, Schema>>; rest?: Schema }
  /** Entries of one kind, or anything at all when `value` is undefined. */
  | { kind: "map"; value?: Schema }
  | { kind: "list"; element?: Schema }
  /** Free-form data (a map or a list, whichever is there). */
  | { kind: "free" }
  | { kind: "scalar" };

/** The schema that reads the input: through optional/default wrappers and preprocess/transform pipes. */
function inputSide(schema: Schema): z.core.$ZodTypes {
  const typed = schema as z.core.$ZodTypes;
  const def = typed._zod.def;
  switch (def.type) {
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "nonoptional":
    case "readonly":
    case "catch":
      return inputSide(def.innerType);
    case "pipe":
      return inputSide((def.in as z.core.$ZodTypes)._zod.def.type === "transform" ? def.out : def.in);
    default:
      return typed;
  }
}

export function shapeOf(schema: Schema | undefined): Shape {
  if (schema === undefined) return { kind: "free" };
  const def = inputSide(schema)._zod.def;
  switch (def.type) {
    case "object": {
      const rest = def.catchall && (def.catchall as z.core.$ZodTypes)._zod.def.type !== "never" ? def.catchall : undefined;
      return { kind: "struct", fields: def.shape, rest };
    }
    case "record":
      return { kind: "map", value: def.valueType };
    case "array":
      return { kind: "list", element: def.element };
    case "unknown":
    case "any":
      return { kind: "free" };
    default:
      return { kind: "scalar" };
  }
}
