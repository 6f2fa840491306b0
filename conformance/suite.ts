/** The definition of one conformance test. */
import type { TestContext } from "./context.js";
import type { Feature, Group } from "./types.js";

export interface ConformanceTest {
  group: Group;
  name: string;
  /** Features beyond the spec's core that this test exercises; [] for core tests. */
  features: Feature[];
  run(ctx: TestContext): Promise<void>;
}

/** Builds the tests of one group. */
export function group(name: Group) {
  const tests: ConformanceTest[] = [];
  const add = (title: string, features: Feature[], run: (ctx: TestContext) => Promise<void>): void => {
    tests.push({ group: name, name: title, features, run });
  };
  return { tests, test: add };
}
