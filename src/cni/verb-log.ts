// One verb's entry in the log file: its events plus a closing line with the outcome, appended
// to the file (loaded only when a verb has a log file to write).
import { closeSync, constants, lstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import type { DispatchOutcome } from './dispatch.js';
import {
  LOG_DIR,
  logEvent,
  logSettings,
  passes,
  type LogEvent,
  type LogSettings,
} from './log-file.js';

/**
 * Appends the verb's events to the configured `logFile`, if any, each with the verb, network,
 * container ID, namespace and interface, then a closing line: `ok` or `failed` (with the CNI
 * code and message), the duration, and what was created and removed. Returns a sentence for
 * stderr when the file could not be written; the verb's outcome never depends on it. The
 * caller passes `settings` when it already read them (entry.ts, to decide to load this module).
 */
export function writeVerbLog(
  outcome: DispatchOutcome,
  events: LogEvent[],
  durationMs: number,
  settings = logSettings(outcome.config),
): string | undefined {
  if (!settings) return undefined;
  const { env, error } = outcome;
  const context = {
    verb: outcome.command,
    network: typeof outcome.config?.name === 'string' ? outcome.config.name : undefined,
    containerId: env?.containerId,
    netns: env ? env.netns : undefined,
    ifname: env?.ifname,
  };
  const changed = (change: string) =>
    events.filter((event) => event.fields.change === change).map((event) => event.fields.object);
  const closing = logEvent(error ? 'failed' : 'ok', {
    level: error ? 'error' : 'info',
    durationMs,
    created: changed('created'),
    removed: changed('removed'),
    ...(error
      ? { code: error.code, error: error.message, details: error.details || undefined }
      : {}),
  });
  const problem = appendLog(settings, context, [...events, closing]);
  return problem && `cannot write log file ${settings.file}: ${problem}`;
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
