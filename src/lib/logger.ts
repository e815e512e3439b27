/** Structured fields of one log line. Never put secrets, tokens or memory content here. */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export type LogLevel = "debug" | "info" | "warn" | "error";

/** One JSON object per line; the only place that writes to the console. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A line sink; defaults to stdout/stderr through the console. */
export type LogSink = (level: LogLevel, line: string) => void;

// biome-ignore lint/suspicious/noConsole: the logger is the one sanctioned writer.
const consoleSink: LogSink = (level, line) => (level === "error" ? console.error(line) : console.log(line));

/** Creates a JSON-lines logger that drops lines below `level`. */
export function createLogger(level: LogLevel = "info", sink: LogSink = consoleSink): Logger {
  const min = RANK[level];
  const write = (lvl: LogLevel, msg: string, fields?: LogFields) => {
    if (RANK[lvl] < min) return;
    sink(lvl, JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...fields }));
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
  };
}
