// A chain whose ADD fails after urunc-tap has wired the pod: libcni caches nothing, so the
// runtime's DEL reaches every plugin without a prevResult, and must still leave nothing behind.
import { beforeAll, describe, expect } from 'vitest';
import { join } from 'node:path';
import { cachedResults, leases, persistentNodeLinks } from '../helpers/chain-state.js';
import {
  isolate,
  loadExample,
  tapNameOf,
  writeConflist,
  type Conflist,
} from '../helpers/conflist.js';
import { SLOW, test } from '../helpers/e2e-fixtures.js';
import { buildLibcniClient, libcni } from '../helpers/libcni.js';
import { ingressQdiscs, linkNames as names, redirectTargets } from '../helpers/observe.js';
import type { Sandbox } from '../helpers/sandbox.js';
import {
  FAILING_PLUGIN,
  installFailingPlugin,
  installUruncTapSpy,
  spiedCalls,
} from '../helpers/test-plugins.js';
import { noNetns } from '../helpers/tier.js';

/** How a later plugin is made to fail: what the conflist becomes, and the error to expect. */
interface Breakage {
  name: string;
  file: string;
  /**
   * One version per case, all three covered: the path under test (DEL without prevResult) is
   * the same at every version, and libcni-chains.test.ts already runs the full matrix.
   */
  version: string;
  break(conflist: Conflist, sandbox: Sandbox): Promise<Conflist>;
  failingType: string;
  code: number;
}

const appendFailingPlugin = async (conflist: Conflist, sandbox: Sandbox) => {
  await installFailingPlugin(sandbox.pluginDir);
  return { ...conflist, plugins: [...conflist.plugins, { type: FAILING_PLUGIN }] };
};

const BREAKAGES: Breakage[] = [
  {
    name: 'a failing plugin appended',
    file: 'urunc-ptp.conflist',
    version: '0.3.1',
    break: appendFailingPlugin,
    failingType: FAILING_PLUGIN,
    code: 100,
  },
  {
    name: 'a failing plugin appended',
    file: 'urunc-bridge.conflist',
    version: '0.4.0',
    break: appendFailingPlugin,
    failingType: FAILING_PLUGIN,
    code: 100,
  },
  {
    // A real Go plugin failing after us: tuning cannot write a sysctl that does not exist.
    name: 'tuning given a sysctl that does not exist',
    file: 'urunc-ptp-tuning.conflist',
    version: '1.0.0',
    break: async (conflist) => ({
      ...conflist,
      plugins: conflist.plugins.map((plugin) =>
        plugin.type === 'tuning'
          ? { ...plugin, sysctl: { 'net.ipv4.conf.eth0.no_such_sysctl': '1' } }
          : plugin,
      ),
    }),
    failingType: 'tuning',
    code: 999,
  },
];

const CASES = BREAKAGES.map((b) => [b.file, b.name, b.version, b] as const);

let client: string | undefined;
beforeAll(async () => {
  client = await buildLibcniClient();
}, 300_000);

describe.skipIf(noNetns).concurrent.each(CASES)(
  'conf/%s with %s, cniVersion %s',
  (_file, _name, version, breakage) => {
    test(
      'the failed ADD caches nothing; DEL without prevResult removes the tap and the chain',
      SLOW,
      async ({ sandbox, skip }) => {
        if (!client) return skip();
        const spyLog = join(sandbox.dir, 'urunc-tap-calls.jsonl');
        await installUruncTapSpy(sandbox.pluginDir, spyLog);
        const example = isolate(loadExample(breakage.file), version, sandbox);
        const conflist = await breakage.break(example, sandbox);
        await writeConflist(sandbox.confDir, conflist);
        const tap = tapNameOf(conflist);

        const added = await libcni(client, sandbox, 'add', conflist.name);
        expect(added.exitCode).toBe(1);
        expect(added.error).toMatchObject({ code: breakage.code });
        expect(added.error!.error).toContain(`plugin type="${breakage.failingType}" failed (add)`);

        // libcni does not undo a failed chain (the runtime's DEL does): our wiring is all there,
        // and no result was cached, so the DEL will carry no prevResult.
        expect(await names(sandbox.podNs)).toEqual(['eth0', 'lo', tap].sort());
        expect(await redirectTargets(sandbox.podNs, 'eth0')).toEqual([tap]);
        expect(await redirectTargets(sandbox.podNs, tap)).toEqual(['eth0']);
        expect(await cachedResults(sandbox.cacheDir)).toEqual([]);
        expect(await leases(sandbox.stateDir)).toHaveLength(1);

        const deleted = await libcni(client, sandbox, 'del', conflist.name);
        expect(deleted.exitCode, deleted.stderr).toBe(0);
        expect(await names(sandbox.podNs)).toEqual(['lo']);
        expect(await ingressQdiscs(sandbox.podNs)).toEqual({});
        expect(await names(sandbox.nodeNs)).toEqual(
          ['lo', ...persistentNodeLinks(conflist)].sort(),
        );
        expect(await leases(sandbox.stateDir)).toEqual([]);

        // What urunc-tap was given: ADD with the first plugin's result, DEL without any.
        const calls = await spiedCalls(spyLog);
        expect(calls.map((call) => call.command)).toEqual(['ADD', 'DEL']);
        expect(calls[0]!.config.prevResult.interfaces).toContainEqual(
          expect.objectContaining({ name: 'eth0', sandbox: sandbox.podNetns }),
        );
        expect(calls[1]!.config).not.toHaveProperty('prevResult');
        expect(calls.map((call) => call.config.cniVersion)).toEqual([version, version]);

        // A second DEL still succeeds on the emptied namespace.
        const again = await libcni(client, sandbox, 'del', conflist.name);
        expect(again.exitCode, again.stderr).toBe(0);
        expect(await names(sandbox.podNs)).toEqual(['lo']);
      },
    );
  },
);
