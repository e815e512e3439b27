import { AppError } from "../lib/errors.js";
import { hasScopes, type Scope } from "./permissions.js";
import type { TokenKind } from "./token-format.js";

/** Who is calling: a verified token, its org and what it may do. */
export interface Principal {
  tokenId: string;
  orgId: string;
  kind: TokenKind;
  permissions: number;
  /** Set when the token is restricted to one agent. */
  agentId: string | null;
  userId: string | null;
}

/**
 * Asserts the principal holds every scope listed.
 * @throws PERMISSION_DENIED naming the missing scopes.
 */
export function requireScopes(principal: Principal, ...scopes: Scope[]): void {
  if (!hasScopes(principal.permissions, scopes)) {
    const missing = scopes.filter((s) => !hasScopes(principal.permissions, [s]));
    throw new AppError("PERMISSION_DENIED", `token lacks scope ${missing.join(", ")}`);
  }
}

/**
 * Asserts the principal holds at least one of the scopes listed.
 * @throws PERMISSION_DENIED
 */
export function requireAnyScope(principal: Principal, ...scopes: Scope[]): void {
  if (!scopes.some((s) => hasScopes(principal.permissions, [s]))) {
    throw new AppError("PERMISSION_DENIED", `token needs one of ${scopes.join(", ")}`);
  }
}

/**
 * Asserts an agent-restricted token only touches its own agent. Answers 404, not
 * 403, so a restricted token cannot probe which other agents exist.
 * @throws NOT_FOUND when the token is bound to another agent.
 */
export function requireAgentAccess(principal: Principal, agentId: string): void {
  if (principal.agentId !== null && principal.agentId !== agentId) {
    throw new AppError("NOT_FOUND", "agent not found");
  }
}

/**
 * Asserts the token is not restricted to one agent: administering the org (its users,
 * settings, tokens of other agents, jobs, purges) is beyond what an agent's token is for,
 * whatever scopes it was minted with.
 */
export function requireOrgWide(principal: Principal, what: string): void {
  if (principal.agentId !== null) {
    throw new AppError("PERMISSION_DENIED", `${what} need a token that is not restricted to one agent`);
  }
}

/** A verified caller plus the request it made: what every verb receives. */
export interface Caller {
  principal: Principal;
  requestId: string;
}

/** The audit actor of a caller. */
export function auditActor(caller: Caller): { actor: string; requestId: string } {
  return { actor: caller.principal.tokenId, requestId: caller.requestId };
}
