import type { JobMessage } from "../jobs/messages.js";

/** The session a completion or the idle sweep hands to the jobs. */
export interface EndedSession {
  id: string;
  agentId: string;
  /** Messages at the end: part of each job's key, so a session reopened and ended again gets new jobs. */
  messageCount: number;
}

/**
 * The jobs that follow a session's end, with their idempotency keys: extraction,
 * unless the agent turned it off, and the transcript's archive (ADR-0041).
 */
export function jobsForEndedSession(s: EndedSession, extractionEnabled: boolean): JobMessage[] {
  const jobs: JobMessage[] = [];
  if (extractionEnabled) {
    jobs.push({
      type: "memory.extract",
      v: 1,
      payload: { agent_id: s.agentId, session_id: s.id },
      key: `memory.extract:${s.id}:${s.messageCount}`,
    });
  }
  jobs.push({
    type: "session.archive",
    v: 1,
    payload: { agent_id: s.agentId, session_id: s.id },
    key: `session.archive:${s.id}:${s.messageCount}`,
  });
  return jobs;
}
