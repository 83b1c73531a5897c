// What every executable does: the CNI protocol when a runtime calls, the operator CLI otherwise.
// Each entry point (main.ts, main-native.ts) says how it reads and writes its standard streams
// and which module holds its platform (kernel backend, lock); that module is loaded only when a
// verb or a command needs it, so VERSION loads no networking code.
import type { CniPlugin } from './cni/plugin-api.js';
import { dispatch } from './cni/dispatch.js';
import { logEvent, logSettings, type LogEvent } from './cni/log-file.js';
import type { Stdio } from './cni/stdio.js';
import type { Log, Platform } from './plugin/platform.js';

/** What an entry point's platform module exports. */
export interface PlatformModule {
  platform: Platform;
  createPlugin(platform: Platform, log: Log): CniPlugin;
}

/** How one build runs. */
export interface Entry {
  stdio: Stdio;
  /** One import: everything a verb needs, in as few chunks of the executable as it can be. */
  load(): Promise<PlatformModule>;
}

/** Runs the process: a CNI call or an operator command; sets the exit code. */
export function runEntry(entry: Entry): void {
  main(entry).then(
    (code) => (process.exitCode = code),
    async (error: unknown) => {
      // Not a CNI call's failure (those are answered on stdout), so a bug or a broken install:
      // one line, never a stack.
      const message = error instanceof Error ? error.message : String(error);
      process.exitCode = 1;
      await writeLog(entry.stdio, `urunc-tap: ${message} (this is a bug: please report it)\n`);
    },
  );
}

async function main(entry: Entry): Promise<number> {
  if (isRuntimeCall(process.env)) return runCni(entry);
  // The operator CLI (and yargs) is loaded only off the CNI path.
  const [{ runCli }, { platform }] = await Promise.all([import('./cli/cli.js'), entry.load()]);
  return runCli(process.argv.slice(2), platform);
}

/** Runs one CNI invocation on this process's env and stdio; resolves to the exit code. */
async function runCni({ stdio, load }: Entry): Promise<number> {
  const started = performance.now();
  const events: LogEvent[] = [];
  const log = (message: string, fields?: Parameters<typeof logEvent>[1]) =>
    events.push(logEvent(message, fields));
  const loadPlugin = async (): Promise<CniPlugin> => {
    const { createPlugin, platform } = await load();
    return createPlugin(platform, log);
  };
  const outcome = await dispatch(
    {
      getenv: (name) => process.env[name],
      readStdin: () => stdio.readStdin(),
      writeStdout: (text) => stdio.write(1, text + '\n'),
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
  const settings = logSettings(outcome.config);
  const logProblem = settings
    ? (await import('./cni/verb-log.js')).writeVerbLog(outcome, events, ms, settings)
    : undefined;
  if (logProblem) lines.push(`${prefix} ${logProblem}\n`);
  if (outcome.error) {
    lines.push(
      `${prefix} failed (code ${outcome.error.code}) after ${ms} ms: ${outcome.error.message}\n`,
    );
  } else if (outcome.command !== 'VERSION') lines.push(`${prefix} ok in ${ms} ms\n`);
  if (outcome.unanswered) lines.push(`${prefix} ${outcome.unanswered.message}\n`);
  if (lines.length > 0) await writeLog(stdio, lines.join(''));
  return outcome.exitCode;
}

/**
 * Writes to stderr, which is only the log: when the runtime closed it (EPIPE) there is nowhere
 * to say so, and the verb's answer on stdout, and its exit code, stand as they are.
 */
async function writeLog(stdio: Stdio, text: string): Promise<void> {
  try {
    await stdio.write(2, text);
  } catch {
    // Nowhere left to report it.
  }
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
