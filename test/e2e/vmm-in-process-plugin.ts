// The plugin's CNI entry run inside this (long-lived) process: dispatch + createPlugin on the
// Node.js entry's platform (src/platform-node.ts: the iproute2 backend, the Node.js lock binder),
// wired as src/entry.ts's runCni wires them, minus the process around them. The leak audit uses
// it to count this process's descriptors across a thousand verbs, and because a plugin exec costs
// ~0.6 s here (node startup alone ~0.15 s), which would make a thousand exec'd cycles take far
// longer than the suite may. (src/main.ts cannot be imported: it runs the entry on import.)
import { dispatch } from '../../src/cni/dispatch.js';
import { createPlugin, platform } from '../../src/platform-node.js';
import {
  outcomeOf,
  runtimeEnv,
  stdinOf,
  type Invocation,
  type Outcome,
} from '../helpers/plugin.js';

/** Runs one CNI invocation in-process; same shape as the `cni` helper, stderr always empty. */
export async function cniInProcess(invocation: Invocation): Promise<Outcome> {
  const env = runtimeEnv(invocation);
  let stdout = '';
  const outcome = await dispatch(
    {
      getenv: (name) => env[name],
      readStdin: async () => Buffer.from(stdinOf(invocation)),
      writeStdout: (text) => {
        stdout += text + '\n';
      },
    },
    createPlugin(platform, () => {}),
  );
  return outcomeOf(outcome.exitCode, stdout.trimEnd(), '');
}
