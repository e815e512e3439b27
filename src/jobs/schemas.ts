import { z } from "@hono/zod-openapi";
import { PageQuery, pageOf } from "../http/openapi.js";
import { JOB_STATUSES } from "./model.js";

export const JobSchema = z
  .object({
    id: z.uuid(),
    type: z.string(),
    version: z.number().int(),
    status: z.enum(JOB_STATUSES),
    attempts: z.number().int(),
    max_attempts: z.number().int(),
    run_at: z.string(),
    last_error: z.string().nullable().openapi({ description: "A content-free label of the last failure" }),
    result: z.record(z.string(), z.unknown()).nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .openapi("Job");

export const JobDetailSchema = JobSchema.extend({
  failures: z.array(
    z.object({
      id: z.uuid(),
      error: z.string(),
      attempts: z.number().int(),
      failed_at: z.string(),
      replayed_at: z.string().nullable(),
    }),
  ),
}).openapi("JobDetail");

export const ListJobsQuery = PageQuery.extend({
  status: z.enum(JOB_STATUSES).optional(),
  type: z
    .string()
    .regex(/^[a-z][a-z0-9.-]{0,63}$/)
    .optional(),
});

export const JobPageSchema = pageOf(JobSchema, "JobPage");

export const DeliveryResultSchema = z
  .object({ outcome: z.enum(["succeeded", "retry", "dead", "lost", "duplicate", "discarded"]) })
  .openapi("JobDeliveryResult");
