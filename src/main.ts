// Entry point: the CNI protocol when a runtime calls, the operator CLI otherwise.
import { dispatch } from './cni/dispatch.js';
import { logEvent, type LogEvent } from './cni/log-file.js';
import { readBounded } from './cni/stdin.js';
import { writeVerbLog } from './cni/verb-log.js';
import { createRunner } from './net/exec.js';
import { createPlugin } from './plugin/plugin.js';

/** Runs one CNI invocation on this process's env and stdio; resolves to the exit code. */
export async function runCni(): Promise<number> {
  const started = performance.now();
  const events: LogEvent[] = [];
  const outcome = await dispatch(
    {
      getenv: (name) => process.env[name],
      readStdin: () => readBounded(process.stdin),
      writeStdout: (text) => process.stdout.write(text + '\n'),
    },
    createPlugin(
      (timeoutMs) => createRunner({ timeoutMs }),
      (message, fields) => events.push(logEvent(message, fields)),
    ),
  );
  // Diagnostics go to stderr only: the runtime parses stdout as the result or the error.
  const env = outcome.env;
  const who = env
    ? ` container=${env.containerId} netns=${env.netns || '-'} ifname=${env.ifname}`
    : '';
  const prefix = `urunc-tap ${outcome.command ?? '?'}${who}:`;
  for (const event of events) {
    if (event.level !== 'debug') process.stderr.write(`${prefix} ${event.message}\n`);
  }
  const ms = Math.round(performance.now() - started);
  // The log file (config `logFile`) is best effort: a failure to write it is only reported.
  const logProblem = writeVerbLog(outcome, events, ms);
  if (logProblem) process.stderr.write(`${prefix} ${logProblem}\n`);
  if (outcome.error)
    process.stderr.write(
      `${prefix} failed (code ${outcome.error.code}) after ${ms} ms: ${outcome.error.message}\n`,
    );
  else if (outcome.command !== 'VERSION') process.stderr.write(`${prefix} ok in ${ms} ms\n`);
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

async function main(): Promise<void> {
  if (isRuntimeCall(process.env)) {
    process.exitCode = await runCni();
    return;
  }
  // The operator CLI (and yargs) is loaded only off the CNI path.
  const { runCli } = await import('./cli/cli.js');
  process.exitCode = await runCli(process.argv.slice(2));
}

// A promise chain, not a top-level await: the Node single-executable candidate is built as
// CommonJS (all Node 20 runs in a SEA), which has none. A crash still exits 1 with its stack.
main().catch((error: unknown) => {
  process.stderr.write(`urunc-tap: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
