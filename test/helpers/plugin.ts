// Runs the built plugin exactly as a runtime does: CNI_* env and the config on stdin.
import { execa } from 'execa';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The builds of `npm run build`: the Node.js entry and the shipped executable. */
export const NODE_ENTRY = fileURLToPath(new URL('../../bin/urunc-tap', import.meta.url));
export const EXECUTABLE = fileURLToPath(new URL('../../build/urunc-tap', import.meta.url));

/** The executable under test; URUNC_TAP_BIN points the suite at another build of it. */
export const PLUGIN = process.env.URUNC_TAP_BIN ?? NODE_ENTRY;

/** The shipped executable: what tiers of a Kubernetes node run (URUNC_TAP_BIN overrides it). */
export const SHIPPED = process.env.URUNC_TAP_BIN ?? EXECUTABLE;

export interface Invocation {
  command: string;
  config: unknown;
  netns?: string;
  containerId?: string;
  ifname?: string;
  /** Extra or overriding environment (e.g. PATH for fault injection). */
  env?: Record<string, string | undefined>;
  /** Kill the plugin after this long (default 60 s): a hung plugin fails the test. */
  timeoutMs?: number;
  /** Raw stdin instead of JSON.stringify(config). */
  stdin?: string | Buffer;
  /** Another build to run than PLUGIN (the faulty twin of faults.ts, say). */
  executable?: string;
  /** A command that execs the plugin, whose path is appended to it (withoutCapabilities, say). */
  via?: string[];
}

export interface Outcome {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON, when it is. */
  json: any;
}

/** The environment a runtime gives the plugin for `invocation` (unset variables left out). */
export function runtimeEnv(invocation: Invocation): Record<string, string> {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    CNI_COMMAND: invocation.command,
    // One container ID per namespace: the plugin serialises calls per attachment, and unrelated
    // tests must not queue behind each other.
    CNI_CONTAINERID: invocation.containerId ?? `ctr-${basename(invocation.netns || 'none')}`,
    CNI_NETNS: invocation.netns ?? '',
    CNI_IFNAME: invocation.ifname ?? 'eth0',
    CNI_PATH: '/opt/cni/bin',
    ...invocation.env,
  };
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
}

/** What the plugin gets on stdin for `invocation`. */
export const stdinOf = (invocation: Invocation): string | Buffer =>
  invocation.stdin ?? JSON.stringify(invocation.config);

/** An outcome from what the plugin printed; `json` when stdout is one JSON document. */
export function outcomeOf(exitCode: number, stdout: string, stderr: string): Outcome {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    json = undefined;
  }
  return { exitCode, stdout, stderr, json };
}

/** Starts the plugin for `invocation` and returns the running process (for a test that kills it). */
export function startCni(invocation: Invocation) {
  const [file, ...args] = [...(invocation.via ?? []), invocation.executable ?? PLUGIN];
  return execa(file!, args, {
    env: runtimeEnv(invocation),
    extendEnv: false,
    input: stdinOf(invocation),
    reject: false,
    timeout: invocation.timeoutMs ?? 60_000,
  });
}

/** Invokes the plugin and returns what it printed; never throws on a non-zero exit. */
export async function cni(invocation: Invocation): Promise<Outcome> {
  const result = await startCni(invocation);
  return outcomeOf(result.exitCode ?? -1, result.stdout, result.stderr);
}

/** `via` that runs the plugin without `capabilities` (setpriv's names: net_admin, sys_admin). */
export function withoutCapabilities(capabilities: string[]): string[] {
  const drop = capabilities.map((cap) => `-${cap}`).join(',');
  return ['setpriv', '--inh-caps', drop, '--bounding-set', drop, '--'];
}

/** A Python helper of this directory, as the start of a `via`. */
const pythonHelper = (name: string) => [
  'python3',
  fileURLToPath(new URL(`./${name}`, import.meta.url)),
];

/** `via` that gives the plugin a non-blocking stdin, the config arriving only after a pause. */
export const NONBLOCKING_STDIN = pythonHelper('nonblocking-stdin.py');

/** `via` that gives the plugin a stdout or stderr nobody reads any more (writes say EPIPE). */
export function closedStream(stream: 'stdout' | 'stderr'): string[] {
  return [...pythonHelper('closed-stream.py'), stream];
}

/** A plugin config entry as a runtime sends it for `cniVersion`. */
export function netconf(
  cniVersion: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { cniVersion, name: 'urunc-test', type: 'urunc-tap', ...extra };
}

/** A prevResult like the ptp plugin returns for a pod interface in `netns`. */
export function ptpLikeResult(
  cniVersion: string,
  netns: string,
  ifname = 'eth0',
): Record<string, unknown> {
  const legacy = cniVersion.startsWith('0.');
  return {
    cniVersion,
    interfaces: [
      { name: 'veth1234', mac: 'aa:bb:cc:00:00:01' },
      { name: ifname, mac: 'aa:bb:cc:00:00:02', sandbox: netns },
    ],
    ips: [
      {
        ...(legacy ? { version: '4' } : {}),
        address: '10.123.0.2/24',
        gateway: '10.123.0.1',
        interface: 1,
      },
    ],
    routes: [{ dst: '0.0.0.0/0' }],
    dns: {},
  };
}
