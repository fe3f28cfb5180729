import type { Logger, Redactor } from "../contract/context.js";
import type { JsonObject, JsonValue } from "../contract/item.js";

export type LogLevel = "debug" | "info" | "warn" | "error";

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly redactor: Redactor;
  /** Where finished lines go (already redacted). */
  readonly write: (line: string, level: LogLevel) => void;
  /** JSON lines instead of text. */
  readonly json?: boolean;
}

function renderField(value: JsonValue): string {
  return typeof value === "string" && /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
}

/** A logger whose every line passes through the redactor before it is written. */
export function createLogger(options: LoggerOptions): Logger {
  const emit = (level: LogLevel, message: string, fields?: JsonObject) => {
    if (ORDER[level] < ORDER[options.level]) return;
    const line = options.json
      ? JSON.stringify({ type: "log", level, message, ...(fields ? { fields } : {}) })
      : `${level === "info" ? "" : `${level}: `}${message}${
          fields && Object.keys(fields).length > 0
            ? ` ${Object.entries(fields)
                .map(([k, v]) => `${k}=${renderField(v)}`)
                .join(" ")}`
            : ""
        }`;
    options.write(options.redactor.redact(line), level);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
  };
}

/** A logger that drops everything (library use without output). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
