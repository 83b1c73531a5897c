// One verb's entry in the log file: its events plus a closing line with the outcome.
import type { DispatchOutcome } from './dispatch.js';
import { appendLog, logEvent, logSettings, type LogEvent } from './log-file.js';

/**
 * Appends the verb's events to the configured `logFile`, if any, each with the verb, network,
 * container ID, namespace and interface, then a closing line: `ok` or `failed` (with the CNI
 * code and message), the duration, and what was created and removed. Returns a sentence for
 * stderr when the file could not be written; the verb's outcome never depends on it.
 */
export function writeVerbLog(
  outcome: DispatchOutcome,
  events: LogEvent[],
  durationMs: number,
): string | undefined {
  const settings = logSettings(outcome.config);
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
