// The verb log (config keys `logFile`, `logLevel`): JSON lines appended to a file, never
// stdout, and never a reason for a verb to fail.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** Levels, most severe first; a configured level keeps itself and everything above it. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';

/** Structured fields of one event; `level` defaults to info. */
export type LogFields = Record<string, unknown> & { level?: LogLevel };

/** One thing that happened during a verb. */
export interface LogEvent {
  time: Date;
  level: LogLevel;
  message: string;
  fields: Record<string, unknown>;
}

/** Where the log goes and how much of it. */
export interface LogSettings {
  file: string;
  level: LogLevel;
}

/** Makes an event now from a message and its fields. */
export function logEvent(message: string, fields: LogFields = {}): LogEvent {
  const { level = 'info', ...rest } = fields;
  return { time: new Date(), level, message, fields: rest };
}

/**
 * The log settings of a raw network configuration, or undefined when it names no log file.
 * Read leniently so that even a verb refused for its config gets logged; the schema refuses
 * invalid values when the verb parses the config.
 */
export function logSettings(config: Record<string, unknown> | undefined): LogSettings | undefined {
  const file = config?.logFile;
  if (typeof file !== 'string' || !file.startsWith('/')) return undefined;
  const level = config?.logLevel;
  return {
    file,
    level: (LOG_LEVELS as readonly unknown[]).includes(level)
      ? (level as LogLevel)
      : DEFAULT_LOG_LEVEL,
  };
}

/** Whether an event of `level` passes the configured `threshold`. */
export function passes(level: LogLevel, threshold: LogLevel): boolean {
  return LOG_LEVELS.indexOf(level) <= LOG_LEVELS.indexOf(threshold);
}

/**
 * Appends the events that pass the level as JSON lines: time, level, then `context` (verb,
 * network, container, namespace, interface), the message, then the event's own fields. One
 * append (O_APPEND) per verb keeps lines of concurrent plugin processes whole. Returns why the
 * file could not be written, and never throws: a log must not fail a verb.
 */
export function appendLog(
  settings: LogSettings,
  context: Record<string, unknown>,
  events: LogEvent[],
): string | undefined {
  const lines = events
    .filter((event) => passes(event.level, settings.level))
    .map((event) =>
      JSON.stringify({
        time: event.time.toISOString(),
        level: event.level,
        ...context,
        msg: event.message,
        ...event.fields,
      }),
    );
  if (lines.length === 0) return undefined;
  try {
    mkdirSync(dirname(settings.file), { recursive: true, mode: 0o750 });
    appendFileSync(settings.file, lines.join('\n') + '\n', { mode: 0o640 });
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
