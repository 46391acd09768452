/**
 * Structured JSON logs on stdout/stderr, one object per line. Fields named like secrets
 * (token, password, secret, cookie, authorization, key) are redacted.
 */

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET = /token|password|secret|cookie|authorization|api_?key|stream_?key/i;

function redact(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [k, v] of Object.entries(fields)) {
    if (SECRET.test(k)) out[k] = "[redacted]";
    else if (v instanceof Error) out[k] = { name: v.name, message: v.message };
    else out[k] = v;
  }
  return out;
}

/** Extra fields merged into every line (e.g. the active trace id); set by telemetry. */
let contextFields: () => LogFields = () => ({});
export function setLogContext(fn: () => LogFields): void {
  contextFields = fn;
}

export function createLogger(
  base: LogFields = {},
  level: LogLevel = (Deno.env.get("LOG_LEVEL") as LogLevel | undefined) ?? "info",
): Logger {
  const min = ORDER[level] ?? ORDER.info;
  const write = (lvl: LogLevel, msg: string, fields?: LogFields) => {
    if (ORDER[lvl] < min) return;
    const line = JSON.stringify({
      time: new Date().toISOString(),
      level: lvl,
      msg,
      ...redact({ ...base, ...contextFields(), ...fields }),
    });
    if (lvl === "error" || lvl === "warn") console.error(line);
    else console.log(line);
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    child: (f) => createLogger({ ...base, ...f }, level),
  };
}
