// The verb log's settings (config keys `logFile`, `logLevel`) and its events: pure, loaded by
// every verb. What writes the file (verb-log.ts) is loaded only when a log file is set.

/** Levels, most severe first; a configured level keeps itself and everything above it. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const DEFAULT_LOG_LEVEL: LogLevel = 'info';

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
  const slash = path.lastIndexOf('/');
  const name = path.slice(slash + 1);
  if (path.slice(0, slash) !== LOG_DIR || !/^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(name)) {
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
