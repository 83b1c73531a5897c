// The libcni-driven client (test/libcni-client): building it once, and running it inside a
// sandbox's node namespace as a container runtime would.
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inSandbox, type Sandbox } from './sandbox.js';
import { tierVerdict } from './tier-verdict.js';

const BUILD_SCRIPT = fileURLToPath(new URL('../libcni-client/build.sh', import.meta.url));
const REPO_BIN = fileURLToPath(new URL('../../bin', import.meta.url));

/** Debian's reference plugins (containernetworking-plugins). */
export const REFERENCE_PLUGINS = '/usr/lib/cni';

/** The reference plugins the conf/ examples chain with urunc-tap. */
const NEEDED_PLUGINS = ['ptp', 'bridge', 'host-local', 'tuning'];

/**
 * Builds the client (build.sh caches it) and returns its path, once the reference plugins are
 * there too. When the tier cannot run, under CI=true that throws (a skipped tier is no
 * evidence), elsewhere it warns and returns undefined so the tests skip.
 */
export async function buildLibcniClient(): Promise<string | undefined> {
  const missing = NEEDED_PLUGINS.filter((p) => !existsSync(join(REFERENCE_PLUGINS, p)));
  const built = await execa('bash', [BUILD_SCRIPT], { reject: false, timeout: 300_000 });
  const reason =
    missing.length > 0
      ? `${missing.join(', ')} missing from ${REFERENCE_PLUGINS} (scripts/install-deps.sh installs containernetworking-plugins)`
      : built.exitCode !== 0 || !built.stdout.trim()
        ? `test/libcni-client/build.sh failed (${built.exitCode}): ${built.stderr}`
        : undefined;
  if (!tierVerdict('libcni', reason)) return built.stdout.trim();
  console.warn(`skipping the libcni tier: ${reason}`);
  return undefined;
}

export type Verb = 'add' | 'check' | 'del';

/** A CNI error as the client reports it on stderr (see main.go). */
export interface ClientError {
  code: number;
  msg: string;
  details?: string;
  /** libcni's full message, naming the failing plugin. */
  error: string;
}

export interface ClientRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The final result of a successful add. */
  result: any;
  /** The CNI error of a failed call, when a plugin returned one. */
  error: ClientError | undefined;
}

/**
 * `libcni-client VERB NETWORK POD-NETNS` in the sandbox's node namespace, with the sandbox's
 * conflists and cache, our bin/ and the reference plugins on CNI_PATH (the sandbox's own
 * plugin directory first). Never throws on a non-zero exit.
 */
export async function libcni(
  client: string,
  sandbox: Sandbox,
  verb: Verb,
  network: string,
): Promise<ClientRun> {
  const run = await inSandbox(sandbox, () =>
    execa('ip', ['netns', 'exec', sandbox.nodeNs, client, verb, network, sandbox.podNetns], {
      env: {
        PATH: process.env.PATH,
        NETCONFPATH: sandbox.confDir,
        CNI_PATH: [sandbox.pluginDir, REPO_BIN, REFERENCE_PLUGINS].join(':'),
        CNI_CACHE_DIR: sandbox.cacheDir,
        CNI_IFNAME: 'eth0',
      },
      extendEnv: false,
      reject: false,
      timeout: 120_000,
    }),
  );
  const exitCode = run.exitCode ?? -1;
  return {
    exitCode,
    stdout: run.stdout,
    stderr: run.stderr,
    result: verb === 'add' && exitCode === 0 ? JSON.parse(run.stdout) : undefined,
    error: exitCode === 0 ? undefined : lastJsonLine(run.stderr),
  };
}

/** The client prints a plugin's CNI error as the last line of stderr (plugin logs come first). */
function lastJsonLine(stderr: string): ClientError | undefined {
  const last = stderr.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as ClientError;
  } catch {
    return undefined;
  }
}
