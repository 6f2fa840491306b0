/**
 * Every shared metadata suite: a store implementation's test file calls runMetadataSuites once
 * with its factory (the SQLite and PostgreSQL stores pass the same tests).
 */
import { accessRecordsSuite } from "./access-records-suite.js";
import { activitySuite } from "./activity-suite.js";
import type { MetadataFactory } from "./fixture.js";
import { gcRecordsSuite } from "./gc-records-suite.js";
import { outboxSuite } from "./outbox-suite.js";
import { searchSuite } from "./search-suite.js";
import { sessionsSuite } from "./sessions-suite.js";
import { storeSuite } from "./store-suite.js";

export type { MetadataDatabase, MetadataFactory } from "./fixture.js";

export function runMetadataSuites(factory: MetadataFactory): void {
  storeSuite(factory);
  gcRecordsSuite(factory);
  accessRecordsSuite(factory);
  outboxSuite(factory);
  searchSuite(factory);
  sessionsSuite(factory);
  activitySuite(factory);
}
