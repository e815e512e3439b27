import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ConnectRouter } from "@connectrpc/connect";
import {
  AppendTurnsResponseSchema,
  CompleteSessionResponseSchema,
  type Session,
  SessionSchema,
  SessionService,
  SessionStatus,
} from "../gen/engram/session/v1/session_pb.js";
import { validationError } from "../http/validation.js";
import { appendTurns } from "../sessions/append-turns.js";
import { completeSession } from "../sessions/complete-session.js";
import { toMessages } from "../sessions/messages-input.js";
import type { SessionView } from "../sessions/model.js";
import { AppendTurnsBody, SessionParams } from "../sessions/schemas.js";
import { handle, principalOf } from "./handler.js";

const STATUS: Record<SessionView["status"], SessionStatus> = {
  active: SessionStatus.ACTIVE,
  completed: SessionStatus.COMPLETED,
  abandoned: SessionStatus.ABANDONED,
};

const stamp = (iso: string | null) => (iso ? timestampFromDate(new Date(iso)) : undefined);

function toSession(v: SessionView): Session {
  return create(SessionSchema, {
    id: v.id,
    sessionUuid: v.session_uuid,
    agentId: v.agent_id,
    status: STATUS[v.status],
    messageCount: v.message_count,
    startedAt: stamp(v.started_at),
    lastActivityAt: stamp(v.last_activity_at),
    completedAt: stamp(v.completed_at),
  });
}

/** The ids, checked as the REST routes check them (same messages, same codes). */
function params(agentId: string, sessionId: string) {
  const r = SessionParams.safeParse({ agent_id: agentId, session_id: sessionId });
  if (!r.success) throw validationError(r.error, "request");
  return r.data;
}

/**
 * Registers engram.session.v1.SessionService: the same verbs and validation as the
 * REST session routes, authenticated before anything is decoded into the domain.
 */
export function registerSessionService(router: ConnectRouter): ConnectRouter {
  return router.service(SessionService, {
    appendTurns: (req, ctx) =>
      handle(ctx, "AppendTurns", async () => {
        const { s, principal, requestId } = await principalOf(ctx);
        const ids = params(req.agentId, req.sessionId);
        const body = AppendTurnsBody.safeParse({
          messages: req.messages.map((m) => ({
            role: m.role,
            content: m.content,
            ...(m.createdAt ? { created_at: timestampDate(m.createdAt).toISOString() } : {}),
            ...(m.metadata ? { metadata: m.metadata } : {}),
          })),
          ...(req.idempotencyKey ? { idempotency_key: req.idempotencyKey } : {}),
        });
        if (!body.success) throw validationError(body.error, "request");
        const out = await appendTurns(
          s,
          { principal, requestId },
          {
            agentId: ids.agent_id,
            sessionId: ids.session_id,
            messages: toMessages(body.data.messages),
            ...(body.data.idempotency_key ? { idempotencyKey: body.data.idempotency_key } : {}),
          },
        );
        return create(AppendTurnsResponseSchema, {
          session: toSession(out.session),
          appended: out.appended,
          firstSeq: out.first_seq,
          replayed: out.replayed,
        });
      }),

    completeSession: (req, ctx) =>
      handle(ctx, "CompleteSession", async () => {
        const { s, principal, requestId } = await principalOf(ctx);
        const ids = params(req.agentId, req.sessionId);
        const out = await completeSession(s, { principal, requestId }, ids.agent_id, ids.session_id);
        return create(CompleteSessionResponseSchema, {
          session: toSession(out.session),
          jobIds: out.job_ids,
        });
      }),
  });
}
