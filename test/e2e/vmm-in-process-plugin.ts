// The plugin's CNI entry run inside this (long-lived) process: dispatch + createPlugin + the
// real iproute2 runner, wired as src/main.ts's runCni wires them, minus the process around
// them. The leak audit uses it to count this process's descriptors across a thousand verbs,
// and because a plugin exec costs ~0.6 s here (node startup alone ~0.15 s), which would make
// a thousand exec'd cycles take far longer than the suite may. (src/main.ts cannot be
// imported: it runs main() on import.)
import { dispatch } from '../../src/cni/dispatch.js';
import { createRunner } from '../../src/net/exec.js';
import { createPlugin } from '../../src/plugin/plugin.js';
import type { Invocation, Outcome } from '../helpers/plugin.js';

/** Runs one CNI invocation in-process; same shape as the `cni` helper, stderr always empty. */
export async function cniInProcess(invocation: Invocation): Promise<Outcome> {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    CNI_COMMAND: invocation.command,
    CNI_CONTAINERID: invocation.containerId ?? 'ctr-test-1',
    CNI_NETNS: invocation.netns ?? '',
    CNI_IFNAME: invocation.ifname ?? 'eth0',
    CNI_PATH: '/opt/cni/bin',
    ...invocation.env,
  };
  let stdout = '';
  const outcome = await dispatch(
    {
      getenv: (name) => env[name],
      readStdin: async () => Buffer.from(invocation.stdin ?? JSON.stringify(invocation.config)),
      writeStdout: (text) => {
        stdout += text + '\n';
      },
    },
    createPlugin(
      (timeoutMs) => createRunner({ timeoutMs }),
      () => {},
    ),
  );
  stdout = stdout.trimEnd();
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    json = undefined;
  }
  return { exitCode: outcome.exitCode, stdout, stderr: '', json };
}
