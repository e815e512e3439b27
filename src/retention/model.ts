/** How long each kind of data is kept (days); the per-org session retention is an org setting. */
export interface RetentionPolicy {
  /** Assembly events (analytics) older than this are deleted (ANALYTICS_RETENTION_DAYS). */
  analyticsDays: number;
  /** Soft-deleted memories are hard-deleted this long after their deletion (MEMORY_SOFT_DELETE_DAYS). */
  softDeleteDays: number;
  /** Archived sessions' messages leave Postgres after this many days; 0 keeps them (SESSION_MESSAGES_RETAIN_DAYS). */
  messagesRetainDays: number;
}

/** The policy from the configuration. */
export function retentionPolicyOf(config: {
  ANALYTICS_RETENTION_DAYS: number;
  MEMORY_SOFT_DELETE_DAYS: number;
  SESSION_MESSAGES_RETAIN_DAYS: number;
}): RetentionPolicy {
  return {
    analyticsDays: config.ANALYTICS_RETENTION_DAYS,
    softDeleteDays: config.MEMORY_SOFT_DELETE_DAYS,
    messagesRetainDays: config.SESSION_MESSAGES_RETAIN_DAYS,
  };
}

/** What one sweep removed, per kind: counts only, safe to log. */
export interface RetentionReport {
  /** Orgs visited (a run starts after the last org the previous one finished). */
  orgs: number;
  /** Finished sessions past their org's retention, deleted with their transcript. */
  sessions: number;
  /** Their archive objects deleted. */
  archive_objects: number;
  /** Archived sessions whose messages left Postgres. */
  pruned_sessions: number;
  /** Expired exports (their rows) and their objects. */
  exports: number;
  export_objects: number;
  /** Other expired idempotency keys. */
  idempotency_keys: number;
  assembly_events: number;
  /** Soft-deleted memories hard-deleted (their versions, tags and links with them). */
  memories: number;
  /** Kinds of an org left for the next run because they failed (a store down, any other error). */
  failures: number;
  /** False when the sweep stopped at its budget: the next run continues from there. */
  complete: boolean;
}

/** A report with every count at zero. */
export function emptyReport(): RetentionReport {
  return {
    orgs: 0,
    sessions: 0,
    archive_objects: 0,
    pruned_sessions: 0,
    exports: 0,
    export_objects: 0,
    idempotency_keys: 0,
    assembly_events: 0,
    memories: 0,
    failures: 0,
    complete: true,
  };
}

/** Days in milliseconds. */
export const DAY_MS = 86_400_000;

/**
 * Whether a Workers cron run (every minute) also runs the retention sweep: the run
 * scheduled at minute 0 of each hour (UTC), so at most once an hour, with no marker
 * to store. A missed run waits for the next hour; the sweep resumes where it stopped.
 */
export function isRetentionRun(scheduledTime: number): boolean {
  return new Date(scheduledTime).getUTCMinutes() === 0;
}
