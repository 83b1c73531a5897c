// What every executable does: the CNI protocol when a runtime calls, the operator CLI otherwise.
// Each entry point (main.ts, main-native.ts) only says which platform (kernel backend, lock)
// it runs on; everything is loaded when the verb needs it, so VERSION loads no networking code.
import type { CniPlugin } from './cni/plugin-api.js';
import { dispatch } from './cni/dispatch.js';
import { logEvent, type LogEvent } from './cni/log-file.js';
import { readAllBounded, writeAll } from './cni/stdio.js';
import { writeVerbLog } from './cni/verb-log.js';
import type { Platform } from './plugin/platform.js';

/** Loads the platform of this build (only when a verb or a command needs it). */
export type PlatformLoader = () => Promise<Platform>;

/** Runs the process: a CNI call or an operator command; sets the exit code. */
export function runEntry(loadPlatform: PlatformLoader): void {
  main(loadPlatform).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      // Not a CNI call's failure (those are answered on stdout), so a bug or a broken install:
      // one line, never a stack.
      const message = error instanceof Error ? error.message : String(error);
      writeAll(2, `urunc-tap: ${message} (this is a bug: please report it)\n`);
      process.exitCode = 1;
    },
  );
}

async function main(loadPlatform: PlatformLoader): Promise<number> {
  if (isRuntimeCall(process.env)) return runCni(loadPlatform);
  // The operator CLI (and yargs) is loaded only off the CNI path.
  const [{ runCli }, platform] = await Promise.all([import('./cli/cli.js'), loadPlatform()]);
  return runCli(process.argv.slice(2), platform);
}

/** Runs one CNI invocation on this process's env and stdio; resolves to the exit code. */
async function runCni(loadPlatform: PlatformLoader): Promise<number> {
  const started = performance.now();
  const events: LogEvent[] = [];
  const log = (message: string, fields?: Parameters<typeof logEvent>[1]) =>
    events.push(logEvent(message, fields));
  const loadPlugin = async (): Promise<CniPlugin> => {
    const [{ createPlugin }, platform] = await Promise.all([
      import('./plugin/plugin.js'),
      loadPlatform(),
    ]);
    return createPlugin(platform, log);
  };
  const outcome = await dispatch(
    {
      getenv: (name) => process.env[name],
      readStdin: async () => readAllBounded(0),
      writeStdout: (text) => writeAll(1, text + '\n'),
    },
    loadPlugin,
  );
  for (const warning of outcome.warnings) log(warning, { level: 'warn' });
  // Diagnostics go to stderr only: the runtime parses stdout as the result or the error.
  const env = outcome.env;
  const who = env
    ? ` container=${env.containerId} netns=${env.netns || '-'} ifname=${env.ifname}`
    : '';
  const prefix = `urunc-tap ${outcome.command ?? '?'}${who}:`;
  const lines = events
    .filter((event) => event.level !== 'debug')
    .map((event) => `${prefix} ${event.message}\n`);
  const ms = Math.round(performance.now() - started);
  // The log file (config `logFile`) is best effort: a failure to write it is only reported.
  const logProblem = writeVerbLog(outcome, events, ms);
  if (logProblem) lines.push(`${prefix} ${logProblem}\n`);
  if (outcome.error) {
    lines.push(
      `${prefix} failed (code ${outcome.error.code}) after ${ms} ms: ${outcome.error.message}\n`,
    );
  } else if (outcome.command !== 'VERSION') lines.push(`${prefix} ok in ${ms} ms\n`);
  if (lines.length > 0) writeAll(2, lines.join(''));
  return outcome.exitCode;
}

/**
 * A runtime always sets CNI_COMMAND with the attachment's variables; one of them without the
 * others is still a (broken) runtime call that deserves a CNI error, not the CLI's help.
 * CNI_PATH alone does not count: operators often export it in their shell.
 */
function isRuntimeCall(env: NodeJS.ProcessEnv): boolean {
  return ['CNI_COMMAND', 'CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME'].some(
    (name) => env[name] !== undefined,
  );
}
