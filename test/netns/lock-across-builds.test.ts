// One lock identity for every build: a verb of the Node.js entry and one of the executable on
// the same attachment never run at once (each binds the same abstract unix socket address;
// Node pads the name to the whole sun_path, the executable binds that exact address).
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect } from 'vitest';
import { faultEnv } from '../helpers/faults.js';
import { test } from '../helpers/fixtures.js';
import { ingressQdiscs, linkNames } from '../helpers/observe.js';
import { cni, EXECUTABLE, netconf, NODE_ENTRY, type Invocation } from '../helpers/plugin.js';
import { noNetns } from '../helpers/tier.js';

const config = netconf('1.0.0', { timeoutMs: 2500 });

/** Runs `invocation` with `executable`; resolves to its outcome and when it ended. */
async function timed(executable: string, invocation: Invocation) {
  return { ...(await cni({ ...invocation, executable })), end: Date.now() };
}

describe.skipIf(noNetns)('the attachment lock across builds', () => {
  beforeAll(() => {
    expect(existsSync(EXECUTABLE), 'npm run build makes build/urunc-tap').toBe(true);
  });

  test("the executable's DEL waits for the Node.js entry's ADD on the same attachment", async ({
    pod: makePod,
  }) => {
    const pod = await makePod();
    const common = { config, netns: pod.netns, containerId: 'ctr-lock' };
    // The Node.js entry's ADD holds the lock while its tc batch hangs (then times out at 2.5 s
    // and rolls back); the executable's DEL, started meanwhile, must wait for it.
    const addStarted = Date.now();
    const add = timed(NODE_ENTRY, {
      ...common,
      command: 'ADD',
      env: faultEnv(
        {
          iproute2: { tool: 'tc', call: 2, line: 3, kind: 'hang' },
          netlink: { op: 'apply', call: 1 },
        },
        'iproute2',
      ),
    });
    await new Promise((resolve) => setTimeout(resolve, 700));
    const started = Date.now();
    const del = await timed(EXECUTABLE, { ...common, command: 'DEL' });
    const added = await add;
    expect(added.json, added.stderr).toMatchObject({ code: 11 });
    expect(del.exitCode, del.stdout + del.stderr).toBe(0);
    // It waited: it ended only after the ADD's hold of the lock, which lasts at least until the
    // hung call's 2.5 s timeout. (Not after the ADD's process: the lock goes with the verb, and
    // that process still writes its answer and log and exits, ~ms, as the DEL may end.)
    expect(del.end - addStarted).toBeGreaterThanOrEqual(2500);
    expect(del.end - started).toBeGreaterThan(1000);
    expect(await linkNames(pod.ns)).toEqual(['eth0', 'lo']);
    expect(await ingressQdiscs(pod.ns)).toEqual({});
  });
});
