// The example conflists of conf/, run by libcni (the library containerd, CRI-O and cnitool are
// built on) with Debian's reference plugins, at every cniVersion that libcni 1.1.2 speaks.
import { beforeAll, describe, expect } from 'vitest';
import { cachedResults, leases, persistentNodeLinks } from '../helpers/chain-state.js';
import {
  EXAMPLE_FILES,
  isolate,
  loadExample,
  tapNameOf,
  writeConflist,
  type Conflist,
} from '../helpers/conflist.js';
import { SLOW, test } from '../helpers/e2e-fixtures.js';
import { answersPing, GUEST_MAC } from '../helpers/fake-guest.js';
import { buildLibcniClient, libcni } from '../helpers/libcni.js';
import { ingressQdiscs, link, linkNames as names, redirectTargets } from '../helpers/observe.js';
import { sh } from '../helpers/sh.js';
import { noNetns } from '../helpers/tier.js';

/** libcni 1.1.2 cannot run 1.1.0 (spec-1-1.test.ts covers it); 0.3.0 adds nothing to 0.3.1. */
const VERSIONS = ['0.3.1', '0.4.0', '1.0.0'];
const CASES = EXAMPLE_FILES.flatMap((file) => VERSIONS.map((version) => [file, version] as const));

let client: string | undefined;
beforeAll(async () => {
  client = await buildLibcniClient();
}, 300_000);

/** The sysctls that tuning plugins of the chain set in the pod. */
const tunedSysctls = (conflist: Conflist): Array<[string, string]> =>
  conflist.plugins
    .filter((p) => p.type === 'tuning')
    .flatMap((p) => Object.entries((p.sysctl ?? {}) as Record<string, string>));

describe.skipIf(noNetns).concurrent.each(CASES)('conf/%s at cniVersion %s', (file, version) => {
  const checkable = version !== '0.3.1';

  test(
    'add wires the tap, check passes, the guest answers, del leaves only lo, del again succeeds',
    SLOW,
    async ({ sandbox, guest, skip }) => {
      if (!client) return skip();
      const conflist = isolate(loadExample(file), version, sandbox);
      await writeConflist(sandbox.confDir, conflist);
      const tap = tapNameOf(conflist);

      // ADD: the whole chain through libcni.
      const added = await libcni(client, sandbox, 'add', conflist.name);
      expect(added.exitCode, added.stderr).toBe(0);

      // Observed: the first plugin's eth0, our persistent vnet_hdr tap with eth0's MTU, an
      // ingress hook on both and our two redirects.
      expect(await names(sandbox.podNs)).toEqual(['eth0', 'lo', tap].sort());
      const eth0 = await link(sandbox.podNs, 'eth0');
      const tapLink = await link(sandbox.podNs, tap);
      expect(tapLink).toMatchObject({ up: true, mtu: eth0!.mtu });
      expect(tapLink!.tun).toMatchObject({ type: 'tap', vnet_hdr: true, persist: true });
      expect(await ingressQdiscs(sandbox.podNs)).toEqual({ eth0: 'ingress', [tap]: 'ingress' });
      expect(await redirectTargets(sandbox.podNs, 'eth0')).toEqual([tap]);
      expect(await redirectTargets(sandbox.podNs, tap)).toEqual(['eth0']);
      for (const [key, value] of tunedSysctls(conflist)) {
        // A plugin after urunc-tap ran, and so accepted our result as its prevResult.
        expect(await sh('ip', ['netns', 'exec', sandbox.podNs, 'sysctl', '-n', key])).toBe(value);
      }

      // The final result (the last plugin's, in this version) carries our tap; below 1.1.0
      // without `mtu`, and with 0.x's `ips[].version`.
      const result = added.result;
      const tapEntry = { name: tap, mac: tapLink!.mac, sandbox: sandbox.podNetns };
      expect(result.cniVersion).toBe(version);
      expect(result.interfaces.find((i: any) => i.name === tap)).toEqual(tapEntry);
      expect(result.interfaces.find((i: any) => i.name === 'eth0')).toEqual({
        name: 'eth0',
        mac: eth0!.mac,
        sandbox: sandbox.podNetns,
      });
      const podIp = String(result.ips[0].address).split('/')[0]!;
      expect(result.ips[0].version).toBe(version.startsWith('0.') ? '4' : undefined);
      expect(await leases(sandbox.stateDir)).toEqual([podIp]);

      // libcni cached that result: it is what CHECK and DEL get as prevResult.
      const cached = await cachedResults(sandbox.cacheDir);
      expect(cached).toHaveLength(1);
      expect(cached[0]).toMatchObject({ networkName: conflist.name, ifName: 'eth0' });
      expect(cached[0]!.result.interfaces).toContainEqual(tapEntry);

      const checked = await libcni(client, sandbox, 'check', conflist.name);
      if (checkable) {
        expect(checked.exitCode, checked.stderr).toBe(0);
      } else {
        // libcni refuses CHECK below 0.4.0 itself (the spec introduced it in 0.4.0).
        expect(checked.exitCode).toBe(1);
        expect(checked.stderr).toContain('does not support the CHECK command');
      }

      // Traffic: the node reaches the pod's address, answered by the guest behind the tap
      // (eth0 -> mirred -> tap -> guest -> tap -> mirred -> eth0), not by the pod's kernel.
      const vm = await guest(sandbox.podNetns, tap, podIp);
      expect(await answersPing(sandbox.nodeNs, podIp)).toBe(true);
      expect(vm.echoes()).toBeGreaterThan(0);
      const neighbours = await sh('ip', ['-n', sandbox.nodeNs, 'neigh', 'show', podIp]);
      expect(neighbours).toContain(GUEST_MAC);
      // The VMM goes first when a pod stops; the runtime's DEL comes after.
      await vm.kill();

      const deleted = await libcni(client, sandbox, 'del', conflist.name);
      expect(deleted.exitCode, deleted.stderr).toBe(0);
      expect(await names(sandbox.podNs)).toEqual(['lo']);
      expect(await ingressQdiscs(sandbox.podNs)).toEqual({});
      expect(await names(sandbox.nodeNs)).toEqual(['lo', ...persistentNodeLinks(conflist)].sort());
      expect(await leases(sandbox.stateDir)).toEqual([]);
      expect(await cachedResults(sandbox.cacheDir)).toEqual([]);

      // The cache is gone, so this DEL runs every plugin without a prevResult.
      const again = await libcni(client, sandbox, 'del', conflist.name);
      expect(again.exitCode, again.stderr).toBe(0);
      expect(await names(sandbox.podNs)).toEqual(['lo']);
      expect(await names(sandbox.nodeNs)).toEqual(['lo', ...persistentNodeLinks(conflist)].sort());
    },
  );
});
