import pino, { type DestinationStream, type Logger } from "pino";

/**
 * Structured JSON logs. keyform never logs bodies or credential headers; the redaction paths are a
 * second line of defence for anything that reaches a log call by mistake.
 */
export const REDACT_PATHS = [
  "secret", "*.secret", "token", "*.token", "key", "*.key", "authorization", "*.authorization",
  "headers.authorization", "headers[\"x-api-key\"]", "req.headers.authorization", "req.headers[\"x-api-key\"]",
  "body", "*.body",
];

export function createLogger(opts: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: opts.level ?? process.env.KEYFORM_LOG_LEVEL ?? "info",
      base: { service: "keyform" },
      redact: { paths: REDACT_PATHS, censor: "[REDACTED]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    // Buffered: lines are written in >= 4 KiB batches (and at least every 200 ms, and on exit by pino's
    // exit hook) instead of one write per line — one request log line per request made the write
    // calls a visible share of the verify hot path.
    opts.destination ?? pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 200 }),
  );
}
