// The verb log (config keys `logFile`, `logLevel`): JSON lines appended to a file in one
// directory, never stdout, and never a reason for a verb to fail.
import { closeSync, constants, lstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';

/** Levels, most severe first; a configured level keeps itself and everything above it. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';

/**
 * The only directory log files may be in. Whoever can write a network config (a Multus
 * NetworkAttachmentDefinition is often writable by tenants) chooses `logFile`, and the plugin
 * runs as root: anywhere else it would let them create directories and append to any file.
 */
export const LOG_DIR = '/var/log/urunc-tap';

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

/** Why `path` may not be a log file, or undefined when it may: a plain file name in LOG_DIR. */
export function logFileProblem(path: string): string | undefined {
  const name = basename(path);
  if (dirname(path) !== LOG_DIR || !/^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(name)) {
    return `must be a file directly in ${LOG_DIR}, named with letters, digits, "_", "." and "-"`;
  }
  return undefined;
}

/**
 * The log settings of a raw network configuration, or undefined when it names no usable log
 * file. Read leniently so that even a verb refused for its config gets logged; ADD and CHECK
 * refuse a bad `logFile` when they parse the config, DEL warns and goes on.
 */
export function logSettings(config: Record<string, unknown> | undefined): LogSettings | undefined {
  const file = config?.logFile;
  if (typeof file !== 'string' || logFileProblem(file)) return undefined;
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
 * O_APPEND write per verb keeps lines of concurrent plugin processes whole. The directory is
 * made when missing (LOG_DIR itself only, never a parent) and must be a real directory; the file
 * is opened with O_NOFOLLOW, so a symlink planted in its place is never followed. Returns why
 * the file could not be written, and never throws: a log must not fail a verb.
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
    try {
      mkdirSync(LOG_DIR, { mode: 0o750 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const dir = lstatSync(LOG_DIR);
    if (!dir.isDirectory()) return `${LOG_DIR} is not a directory (a symlink is not followed)`;
    const flags =
      constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;
    const fd = openSync(settings.file, flags, 0o640);
    try {
      writeSync(fd, lines.join('\n') + '\n');
    } finally {
      closeSync(fd);
    }
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
