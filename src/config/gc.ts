/** Berth's gc section: scheduled garbage collection (issue 5). */
import * as z from "zod";
import { cronProblem } from "../gc/cron.js";
import { bool, duration, text, withDefault } from "./fields.js";

const schedule = text.superRefine((value, ctx) => {
  if (value.trim() === "") return;
  const problem = cronProblem(value.trim());
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

export const gcSchema = z
  .strictObject({
    schedule: withDefault(schedule, ""),
    grace: withDefault(duration, "1h"),
    deleteuntagged: withDefault(bool, false),
  })
  .transform((gc) => ({ ...gc, schedule: gc.schedule.trim() }));
