// The CNI protocol around the verbs: env, stdin, version negotiation, output and errors.
// I/O is injected so every path is testable with buffers and no process (like skel in Go).
import { readCommand, readEnv, type CniEnv } from './env.js';
import { CniError, ErrorCode, configError, toCniError } from './errors.js';
import { isNetworkCommand, runNetworkVerb } from './network-verbs.js';
import type { CniIo, CniPlugin, VerbRequest } from './plugin-api.js';
import {
  isSupportedVersion,
  LATEST_VERSION,
  SUPPORTED_VERSIONS,
  versionAtLeast,
  type CniVersion,
} from './versions.js';

/** What happened, for the caller's log line. */
export interface DispatchOutcome {
  exitCode: number;
  command?: string;
  env?: CniEnv;
  /** The decoded network configuration, when stdin held one. */
  config?: Record<string, unknown>;
  error?: CniError;
  /** Why `error` could not be written to stdout either: it reached the log only. */
  unanswered?: CniError;
  /** What the protocol layer could not use and ignored (DEL only), for the log. */
  warnings: string[];
}

/** The plugin, or a loader of it: VERSION answers without loading any networking code. */
export type PluginSource = CniPlugin | (() => Promise<CniPlugin>);

/** Runs one CNI invocation end to end and returns the process exit code. */
export async function dispatch(io: CniIo, source: PluginSource): Promise<DispatchOutcome> {
  let version: CniVersion = LATEST_VERSION;
  let command: string | undefined;
  let env: CniEnv | undefined;
  let config: Record<string, unknown> | undefined;
  const warnings: string[] = [];
  const answer = async (text: string) => {
    try {
      await io.writeStdout(text);
    } catch (thrown) {
      throw new AnswerNotWritten(thrown);
    }
  };
  try {
    command = readCommand(io.getenv);
    const stdin = await io.readStdin();
    if (command === 'VERSION') {
      version = versionForVersionQuery(stdin);
      await answer(JSON.stringify({ cniVersion: version, supportedVersions: SUPPORTED_VERSIONS }));
      return { exitCode: 0, command, warnings };
    }
    config = decodeConfig(stdin);
    const problem = versionProblem(config.cniVersion);
    if (!problem) version = config.cniVersion as CniVersion;
    // DEL needs no version: it prints nothing on success. An unusable one is logged, not refused.
    else if (command === 'DEL') warnings.push(`${problem.message}; deleting anyway`);
    else throw problem;
    const load = async () => (typeof source === 'function' ? await source() : source);
    if (isNetworkCommand(command)) {
      await runNetworkVerb(command, version, config, await load());
      return { exitCode: 0, command, config, warnings };
    }
    env = readEnv(io.getenv, command as CniEnv['command']);
    const request: VerbRequest = { env, version, config };
    // Loaded once the call is known to be well-formed: a refused one loads no networking code.
    const plugin = await load();
    if (command === 'ADD') {
      await answer(JSON.stringify(await plugin.add(request)));
    } else if (command === 'DEL') {
      await plugin.del(request);
    } else {
      // CNI spec 0.4.0 introduced CHECK; an older config cannot ask for it.
      if (!versionAtLeast(version, '0.4.0')) {
        throw new CniError(
          ErrorCode.IncompatibleVersion,
          `CHECK needs cniVersion 0.4.0 or newer; the config says ${version}`,
        );
      }
      await plugin.check(request);
    }
    return { exitCode: 0, command, env, config, warnings };
  } catch (thrown) {
    const error = toCniError(thrown);
    let unanswered: CniError | undefined;
    // A stdout that refused the answer refuses the error too: then it is only logged.
    if (!(error instanceof AnswerNotWritten)) {
      const body: Record<string, unknown> = {
        cniVersion: version,
        code: error.code,
        msg: error.message,
      };
      if (error.details) body.details = error.details;
      try {
        await answer(JSON.stringify(body));
      } catch (failure) {
        unanswered = failure as AnswerNotWritten;
      }
    }
    return { exitCode: 1, command, env, config, error, unanswered, warnings };
  }
}

/**
 * Stdout did not take the answer: the runtime closed its end of the pipe (EPIPE), or gave no
 * stdout at all (EBADF). Not a bug of ours; code 5, the spec's I/O failure.
 */
class AnswerNotWritten extends CniError {
  constructor(cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(ErrorCode.IoFailure, `could not write the answer to stdout: ${why}`, '', { cause });
  }
}

/** A conflist entry nests a few levels; far deeper input is hostile, and recursion on it
 * (when printing a result, say) would exhaust the stack. */
const MAX_JSON_DEPTH = 64;

/** Parses stdin as a JSON object (CNI spec: the network configuration). */
function decodeConfig(stdin: Uint8Array): Record<string, unknown> {
  let parsed: unknown;
  const text = new TextDecoder().decode(stdin);
  if (jsonDepth(text) > MAX_JSON_DEPTH) {
    throw new CniError(
      ErrorCode.DecodingFailure,
      `the network configuration on stdin nests deeper than ${MAX_JSON_DEPTH} levels`,
    );
  }
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const reason = stdin.length === 0 ? 'stdin is empty' : (error as Error).message;
    throw new CniError(
      ErrorCode.DecodingFailure,
      `cannot decode the network configuration on stdin: ${reason}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const kind = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed;
    throw new CniError(
      ErrorCode.DecodingFailure,
      `the network configuration on stdin must be a JSON object, not ${kind}`,
    );
  }
  return parsed as Record<string, unknown>;
}

/** The deepest nesting of arrays and objects in JSON text (strings skipped), without parsing. */
function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') deepest = Math.max(deepest, ++depth);
    else if (c === '}' || c === ']') depth--;
  }
  return deepest;
}

/** Why the config's cniVersion, which all output must use (CNI spec, "Version"), is unusable. */
function versionProblem(cniVersion: unknown): CniError | undefined {
  if (cniVersion === undefined) return configError('cniVersion', 'is missing');
  if (typeof cniVersion !== 'string') {
    return configError('cniVersion', `must be a string, got ${JSON.stringify(cniVersion)}`);
  }
  if (!isSupportedVersion(cniVersion)) {
    return new CniError(
      ErrorCode.IncompatibleVersion,
      `cniVersion "${cniVersion}" is not supported; supported: ${SUPPORTED_VERSIONS.join(', ')}`,
    );
  }
  return undefined;
}

/** VERSION answers in the version asked for when we speak it, else in the newest. */
function versionForVersionQuery(stdin: Uint8Array): CniVersion {
  try {
    const asked = (JSON.parse(new TextDecoder().decode(stdin)) as { cniVersion?: unknown })
      .cniVersion;
    return isSupportedVersion(asked) ? asked : LATEST_VERSION;
  } catch {
    return LATEST_VERSION;
  }
}
