// Test-only CNI plugins written into a sandbox's plugin directory (first on CNI_PATH): tiny
// executables are better fault injection than mocks, and they run under the real libcni.
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PLUGIN } from './plugin.js';

/** Name of the plugin installFailingPlugin writes. */
export const FAILING_PLUGIN = 'fail-add';

/**
 * Installs `fail-add`: a chained plugin whose ADD always fails with CNI error 100 (as any later
 * plugin of a real chain may), and whose DEL, CHECK and VERSION succeed.
 */
export async function installFailingPlugin(pluginDir: string): Promise<void> {
  const file = join(pluginDir, FAILING_PLUGIN);
  await writeFile(
    file,
    `#!/usr/bin/env python3
import json, os, sys
config = json.load(sys.stdin)
command = os.environ.get("CNI_COMMAND")
if command == "ADD":
    print(json.dumps({"cniVersion": config["cniVersion"], "code": 100, "msg": "fail-add: ADD fails on purpose"}))
    sys.exit(1)
if command == "VERSION":
    print(json.dumps({"cniVersion": config["cniVersion"], "supportedVersions": ["0.3.0", "0.3.1", "0.4.0", "1.0.0"]}))
`,
  );
  await chmod(file, 0o755);
}

/** One call of urunc-tap as the spy saw it. */
export interface SpiedCall {
  command: string;
  config: Record<string, any>;
}

/**
 * Installs a spy named `urunc-tap` that records every call (CNI_COMMAND and the config on
 * stdin) as a JSON line in `logFile`, then runs the real plugin with the same input: the only
 * way to see what libcni itself sends, e.g. whether a DEL carries a prevResult.
 */
export async function installUruncTapSpy(pluginDir: string, logFile: string): Promise<void> {
  const file = join(pluginDir, 'urunc-tap');
  await writeFile(
    file,
    `#!/usr/bin/env python3
import json, os, subprocess, sys
raw = sys.stdin.buffer.read()
with open(${JSON.stringify(logFile)}, "a") as log:
    log.write(json.dumps({"command": os.environ.get("CNI_COMMAND"), "config": json.loads(raw)}) + "\\n")
sys.exit(subprocess.run([${JSON.stringify(PLUGIN)}], input=raw).returncode)
`,
  );
  await chmod(file, 0o755);
}

/** The calls a spy recorded, oldest first. */
export async function spiedCalls(logFile: string): Promise<SpiedCall[]> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as SpiedCall);
}
