// The CNI protocol around the verbs: env, stdin, version negotiation, output and errors.
// I/O is injected so every path is testable with buffers and no process (like skel in Go).
import { readCommand, readEnv, type CniEnv, type Getenv } from './env.js';
import { CniError, ErrorCode, toCniError } from './errors.js';
import {
  isNetworkCommand,
  runNetworkVerb,
  type GcRequest,
  type NetworkRequest,
} from './network-verbs.js';
import type { CniResult } from './result.js';
import {
  isSupportedVersion,
  LATEST_VERSION,
  SUPPORTED_VERSIONS,
  versionAtLeast,
  type CniVersion,
} from './versions.js';

/** What a plugin process reads and writes. */
export interface CniIo {
  getenv: Getenv;
  readStdin(): Promise<Buffer>;
  writeStdout(text: string): void;
}

/** One call of a verb: validated env, the negotiated version and the raw config object. */
export interface VerbRequest {
  env: CniEnv;
  version: CniVersion;
  config: Record<string, unknown>;
}

/** The verbs a plugin implements; errors are thrown (CniError or anything, made Internal). */
export interface CniPlugin {
  add(request: VerbRequest): Promise<CniResult>;
  del(request: VerbRequest): Promise<void>;
  check(request: VerbRequest): Promise<void>;
  /** CNI 1.1 STATUS: resolves when ready for ADD; throws (code 50) otherwise. */
  status?(request: NetworkRequest): Promise<void>;
  /** CNI 1.1 GC: removes what belongs to attachments not in `validAttachments`. */
  gc?(request: GcRequest): Promise<void>;
}

/** What happened, for the caller's log line. */
export interface DispatchOutcome {
  exitCode: number;
  command?: string;
  env?: CniEnv;
  /** The decoded network configuration, when stdin held one. */
  config?: Record<string, unknown>;
  error?: CniError;
}

/** Runs one CNI invocation end to end and returns the process exit code. */
export async function dispatch(io: CniIo, plugin: CniPlugin): Promise<DispatchOutcome> {
  let version: CniVersion = LATEST_VERSION;
  let command: string | undefined;
  let env: CniEnv | undefined;
  let config: Record<string, unknown> | undefined;
  try {
    command = readCommand(io.getenv);
    const stdin = await io.readStdin();
    if (command === 'VERSION') {
      version = versionForVersionQuery(stdin);
      io.writeStdout(
        JSON.stringify({ cniVersion: version, supportedVersions: SUPPORTED_VERSIONS }),
      );
      return { exitCode: 0, command };
    }
    config = decodeConfig(stdin);
    version = negotiateVersion(config.cniVersion);
    if (isNetworkCommand(command)) {
      await runNetworkVerb(command, io.getenv, version, config, plugin);
      return { exitCode: 0, command, config };
    }
    env = readEnv(io.getenv, command as CniEnv['command']);
    const request: VerbRequest = { env, version, config };
    if (command === 'ADD') {
      io.writeStdout(JSON.stringify(await plugin.add(request)));
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
    return { exitCode: 0, command, env, config };
  } catch (thrown) {
    const error = toCniError(thrown);
    const body: Record<string, unknown> = {
      cniVersion: version,
      code: error.code,
      msg: error.message,
    };
    if (error.details) body.details = error.details;
    io.writeStdout(JSON.stringify(body));
    return { exitCode: 1, command, env, config, error };
  }
}

/** A conflist entry nests a few levels; far deeper input is hostile, and recursion on it
 * (when printing a result, say) would exhaust the stack. */
export const MAX_JSON_DEPTH = 64;

/** Parses stdin as a JSON object (CNI spec: the network configuration). */
function decodeConfig(stdin: Buffer): Record<string, unknown> {
  let parsed: unknown;
  const text = stdin.toString('utf8');
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

/** The config's cniVersion, which all output must use (CNI spec, "Version"). */
function negotiateVersion(cniVersion: unknown): CniVersion {
  if (cniVersion === undefined) {
    throw new CniError(ErrorCode.InvalidNetworkConfig, 'config key "cniVersion" is missing');
  }
  if (typeof cniVersion !== 'string') {
    throw new CniError(
      ErrorCode.InvalidNetworkConfig,
      `config key "cniVersion" must be a string, got ${JSON.stringify(cniVersion)}`,
    );
  }
  if (!isSupportedVersion(cniVersion)) {
    throw new CniError(
      ErrorCode.IncompatibleVersion,
      `cniVersion "${cniVersion}" is not supported; supported: ${SUPPORTED_VERSIONS.join(', ')}`,
    );
  }
  return cniVersion;
}

/** VERSION answers in the version asked for when we speak it, else in the newest. */
function versionForVersionQuery(stdin: Buffer): CniVersion {
  try {
    const asked = (JSON.parse(stdin.toString('utf8')) as { cniVersion?: unknown }).cniVersion;
    return isSupportedVersion(asked) ? asked : LATEST_VERSION;
  } catch {
    return LATEST_VERSION;
  }
}
