// The protocol layer run on buffers, for its unit tests: the env as a record, stdin as text,
// stdout captured, or refused by a `refuse` that throws as a write(2) would.
import { dispatch, type PluginSource } from '../../src/cni/dispatch.js';

/** One dispatch: its outcome, what it printed, and that parsed (undefined when nothing). */
export async function runDispatch(
  env: Record<string, string | undefined>,
  stdin: string,
  source: PluginSource,
  refuse?: () => never,
) {
  let stdout = '';
  const outcome = await dispatch(
    {
      getenv: (name) => env[name],
      readStdin: async () => Buffer.from(stdin),
      writeStdout: refuse ?? ((text) => void (stdout += text)),
    },
    source,
  );
  return { ...outcome, stdout, json: stdout ? JSON.parse(stdout) : undefined };
}
