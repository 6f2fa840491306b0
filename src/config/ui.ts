/** Berth's ui section: the web portal served at `/` and its sign-in sessions (issue 6). */
import * as z from "zod";
import { bool, duration, withDefault } from "./fields.js";

export const uiSchema = z.strictObject({
  enabled: withDefault(bool, true),
  session: withDefault(
    z.strictObject({
      /** A session ends this long after sign-in, whatever happens. */
      lifetime: withDefault(duration, "12h"),
      /** ... or after this long without a request. */
      idle: withDefault(duration, "1h"),
    }),
    {},
  ),
});
