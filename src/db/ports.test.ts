import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { problemOf, toAppError } from "../http/problem.js";
import { AppError } from "../lib/errors.js";
import { toConnectError } from "../rpc/handler.js";
import { canceledBeforeStart, SqlError, toSqlError, unavailableDatabase } from "./ports.js";

/** An error shaped as node-postgres reports it (message, optional code). */
function driverError(message: string, code?: string): Error {
  return Object.assign(new Error(message), code ? { code } : {});
}

const lost: [string, unknown][] = [
  ["57P01 admin_shutdown", driverError("terminating connection due to administrator command", "57P01")],
  ["57P03 cannot_connect_now", driverError("the database system is starting up", "57P03")],
  ["08006 connection_failure", driverError("connection failure", "08006")],
  ["53300 too_many_connections", driverError("sorry, too many clients already", "53300")],
  ["ECONNRESET", driverError("read ECONNRESET", "ECONNRESET")],
  ["ECONNREFUSED", driverError("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED")],
  [
    "ECONNREFUSED on every address",
    new AggregateError([driverError("connect ECONNREFUSED ::1:5432", "ECONNREFUSED")]),
  ],
  ["connection terminated", driverError("Connection terminated unexpectedly")],
  ["not queryable", driverError("Client has encountered a connection error and is not queryable")],
  ["pool connect timeout", driverError("timeout exceeded when trying to connect")],
];

const notLost: [string, unknown][] = [
  ["a unique violation", driverError('duplicate key value violates unique constraint "x"', "23505")],
  ["a syntax error", driverError('syntax error at or near "SELEC"', "42601")],
  ["a serialisation failure", driverError("could not serialize access", "40001")],
  ["a canceled statement", driverError("canceling statement due to statement timeout", "57014")],
  ["a programming error", new TypeError("Cannot read properties of undefined")],
];

describe("connection failures", () => {
  it.each(lost)("%s is unavailable and retryable", (_label, err) => {
    const e = toSqlError(err);
    expect(e.unavailable).toBe(true);
    expect(e.retryable).toBe(true);
  });

  it.each(notLost)("%s is not a connection failure", (_label, err) => {
    expect(toSqlError(err).unavailable).toBe(false);
    expect(unavailableDatabase(toSqlError(err))).toBeUndefined();
  });

  it("a transaction refused before it started is not one either", () => {
    expect(canceledBeforeStart().unavailable).toBe(false);
  });

  it("answers 503 UNAVAILABLE with Retry-After and without the driver's words", () => {
    const err = toSqlError(driverError("terminating connection due to administrator command", "57P01"));
    const app = toAppError(err);
    expect(app).toMatchObject({ code: "UNAVAILABLE", status: 503, retryable: true, retryAfter: 1 });
    expect(app.cause).toBe(err);
    const { body, headers } = problemOf(app, "req-1", "/errors");
    expect(body).toMatchObject({ status: 503, code: "UNAVAILABLE" });
    expect(headers).toMatchObject({ "content-type": "application/problem+json", "retry-after": "1" });
    expect(JSON.stringify(body)).not.toMatch(/administrator|terminating|57P01/);
  });

  it("is `unavailable` over Connect, without the driver's words", () => {
    const ce = toConnectError(toSqlError(driverError("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED")));
    expect(ce.code).toBe(Code.Unavailable);
    expect(ce.rawMessage).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
  });

  it("leaves other driver errors INTERNAL and AppErrors as they are", () => {
    expect(toAppError(toSqlError(driverError("syntax error", "42601"))).code).toBe("INTERNAL");
    expect(toConnectError(new SqlError("syntax error", "42601")).code).toBe(Code.Internal);
    expect(toAppError(new AppError("CONFLICT", "x")).code).toBe("CONFLICT");
  });
});
