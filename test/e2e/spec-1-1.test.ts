// CNI spec 1.1.0, which Debian's libcni (spec <= 1.0.0) cannot drive: the built plugin is
// exec'd directly with the configs a 1.1 runtime derives from the conf/ examples.
import { randomBytes } from 'node:crypto';
import { describe, expect } from 'vitest';
import {
  EXAMPLE_FILES,
  loadExample,
  tapNameOf,
  uruncTapEntry,
  type Conflist,
} from '../helpers/conflist.js';
import { SLOW, test } from '../helpers/e2e-fixtures.js';
import { answersPing } from '../helpers/fake-guest.js';
import { NODE_IP, POD_IP, podAnswersPing, type Pod } from '../helpers/netns.js';
import { ingressQdiscs, link, linkNames, redirectTargets } from '../helpers/observe.js';
import { cni } from '../helpers/plugin.js';
import { sh } from '../helpers/sh.js';
import { noNetns } from '../helpers/tier.js';
import { pluginConfig, selectVersion } from '../helpers/version-selection.js';

/**
 * The result a 1.1.0 ptp would hand us for the pod's eth0, using the fields 1.1 added
 * (interface `mtu`, route `mtu`/`advmss`/`priority`/`table`/`scope`): we must pass them on.
 */
async function firstPluginResult(version: string, pod: Pod): Promise<Record<string, unknown>> {
  const eth0 = (await link(pod.ns, pod.ifname))!;
  const since11 = version === '1.1.0';
  return {
    cniVersion: version,
    interfaces: [
      { name: 'veth0', mac: '0a:58:0a:7b:00:01' },
      {
        name: pod.ifname,
        mac: eth0.mac,
        sandbox: pod.netns,
        ...(since11 ? { mtu: eth0.mtu } : {}),
      },
    ],
    ips: [
      {
        ...(version.startsWith('0.') ? { version: '4' } : {}),
        address: `${POD_IP}/24`,
        gateway: NODE_IP,
        interface: 1,
      },
    ],
    routes: [
      {
        dst: '0.0.0.0/0',
        gw: NODE_IP,
        ...(since11 ? { mtu: 1400, advmss: 1360, priority: 10, table: 100, scope: 0 } : {}),
      },
    ],
    dns: { nameservers: ['10.123.0.53'] },
  };
}

describe.skipIf(noNetns).concurrent.each(EXAMPLE_FILES)('conf/%s at cniVersion 1.1.0', (file) => {
  test(
    'ADD passes 1.1 fields through and reports the tap mtu; CHECK, traffic, DEL, DEL again',
    SLOW,
    async ({ pod: makePod, guest }) => {
      const pod = await makePod({ mtu: 9000 });
      const conflist: Conflist = { ...loadExample(file), cniVersion: '1.1.0' };
      const entry = uruncTapEntry(conflist);
      const tap = tapNameOf(conflist);
      const prevResult = await firstPluginResult('1.1.0', pod);

      const added = await cni({
        command: 'ADD',
        config: pluginConfig(conflist, entry, '1.1.0', prevResult),
        netns: pod.netns,
      });
      expect(added.exitCode, added.stdout + added.stderr).toBe(0);

      const tapLink = await link(pod.ns, tap);
      expect(tapLink).toMatchObject({ up: true, mtu: 9000 });
      expect(await redirectTargets(pod.ns, 'eth0')).toEqual([tap]);
      expect(await redirectTargets(pod.ns, tap)).toEqual(['eth0']);
      // prevResult unchanged, 1.1 fields included, plus the tap with its mtu.
      const { cniVersion: _, ...previous } = prevResult as {
        cniVersion: string;
        interfaces: unknown[];
      };
      expect(added.json).toEqual({
        ...previous,
        cniVersion: '1.1.0',
        interfaces: [
          ...(prevResult.interfaces as unknown[]),
          { name: tap, mac: tapLink!.mac, mtu: 9000, sandbox: pod.netns },
        ],
      });

      const checked = await cni({
        command: 'CHECK',
        config: pluginConfig(conflist, entry, '1.1.0', added.json),
        netns: pod.netns,
      });
      expect(checked.exitCode, checked.stdout).toBe(0);
      expect(checked.stdout).toBe('');

      // The guest behind the tap owns the pod's address while it is wired.
      const vm = await guest(pod.netns, tap, POD_IP);
      expect(await answersPing(pod.nodeNs, POD_IP)).toBe(true);
      expect(vm.echoes()).toBeGreaterThan(0);
      await vm.kill();

      const deleted = await cni({
        command: 'DEL',
        config: pluginConfig(conflist, entry, '1.1.0', added.json),
        netns: pod.netns,
      });
      expect(deleted.exitCode, deleted.stdout).toBe(0);
      expect(deleted.stdout).toBe('');
      expect(await linkNames(pod.ns)).toEqual(['eth0', 'lo']);
      expect(await ingressQdiscs(pod.ns)).toEqual({});
      // eth0 carries the pod namespace's own traffic again: no black hole. The node still
      // remembers the guest's MAC for the pod's address (its kernel would re-resolve it only
      // after several seconds), so forget it first.
      await sh('ip', ['-n', pod.nodeNs, 'neigh', 'flush', 'dev', 'veth0']);
      expect(await podAnswersPing(pod, 4)).toBe(true);

      const again = await cni({
        command: 'DEL',
        config: pluginConfig(conflist, entry, '1.1.0'),
        netns: pod.netns,
      });
      expect(again.exitCode, again.stdout).toBe(0);
      expect(await linkNames(pod.ns)).toEqual(['eth0', 'lo']);
    },
  );
});

/**
 * `cniVersions` (spec 1.1): the runtime picks the highest version it supports and sends that
 * as `cniVersion`; the plugin must answer in exactly that version. The list keys travel
 * along too, as some runtimes pass them: the plugin must ignore keys it does not know.
 */
const SELECTIONS = [
  { cniVersion: '1.0.0', cniVersions: ['1.0.0', '1.1.0'], runtimeMax: '1.1.0', selected: '1.1.0' },
  { cniVersion: '1.0.0', cniVersions: ['1.0.0', '1.1.0'], runtimeMax: '1.0.0', selected: '1.0.0' },
  { cniVersion: '0.4.0', cniVersions: ['0.4.0', '1.0.0'], runtimeMax: '1.1.0', selected: '1.0.0' },
  { cniVersion: '1.1.0', cniVersions: ['0.3.1', '0.4.0'], runtimeMax: '0.4.0', selected: '0.4.0' },
];

describe.skipIf(noNetns).concurrent.each(SELECTIONS)(
  'cniVersions $cniVersions with cniVersion $cniVersion, runtime up to $runtimeMax',
  (selection) => {
    test(
      `the plugin answers in the selected ${selection.selected}`,
      SLOW,
      async ({ pod: makePod }) => {
        const { selected, runtimeMax, ...offered } = selection;
        expect(selectVersion(offered, runtimeMax)).toBe(selected);

        // The runtime may also intersect with the plugin's VERSION: ours must list it.
        const version = await cni({ command: 'VERSION', config: { cniVersion: selected } });
        expect(version.json.supportedVersions).toContain(selected);

        const pod = await makePod();
        const conflist: Conflist = { ...loadExample('urunc-ptp.conflist'), ...offered };
        const config = {
          ...pluginConfig(conflist, uruncTapEntry(conflist), selected),
          cniVersions: offered.cniVersions,
          disableGC: false,
          prevResult: await firstPluginResult(selected, pod),
        };
        const added = await cni({ command: 'ADD', config, netns: pod.netns });
        expect(added.exitCode, added.stdout + added.stderr).toBe(0);

        const tapLink = await link(pod.ns, 'tap0_urunc');
        const result = added.json;
        expect(result.cniVersion).toBe(selected);
        // `mtu` on interfaces exists from 1.1.0 on; `ips[].version` up to 0.4.0.
        const since11 = selected === '1.1.0';
        expect(result.interfaces.at(-1)).toEqual({
          name: 'tap0_urunc',
          mac: tapLink!.mac,
          sandbox: pod.netns,
          ...(since11 ? { mtu: tapLink!.mtu } : {}),
        });
        expect(result.ips[0].version).toBe(selected.startsWith('0.') ? '4' : undefined);

        const checked = await cni({
          command: 'CHECK',
          config: { ...config, prevResult: result },
          netns: pod.netns,
        });
        expect(checked.exitCode, checked.stdout).toBe(0);

        const deleted = await cni({ command: 'DEL', config, netns: pod.netns });
        expect(deleted.exitCode, deleted.stdout).toBe(0);
        expect(await linkNames(pod.ns)).toEqual(['eth0', 'lo']);
      },
    );
  },
);

/**
 * STATUS and GC are 1.1.0 verbs. libcni >= 1.2 sends STATUS to every plugin of a 1.1.0
 * conflist (GetStatusNetworkList; containerd reports the network not ready on an error) and
 * GC with `cni.dev/valid-attachments` (GCNetworkList). Both carry no container: the spec
 * passes only CNI_COMMAND and CNI_PATH.
 */
describe.skipIf(noNetns).concurrent('1.1.0 verbs', () => {
  const noContainer = { CNI_CONTAINERID: undefined, CNI_NETNS: undefined, CNI_IFNAME: undefined };

  test('STATUS of a conf/ example at 1.1.0 succeeds with no output (ready for ADD)', async () => {
    const conflist: Conflist = { ...loadExample('urunc-ptp.conflist'), cniVersion: '1.1.0' };
    const config = pluginConfig(conflist, uruncTapEntry(conflist), '1.1.0');
    const status = await cni({ command: 'STATUS', config, env: noContainer });
    expect(status.exitCode, status.stdout + status.stderr).toBe(0);
    expect(status.stdout).toBe('');
  });

  test(
    'GC removes the wiring of an attachment the runtime no longer lists, and only that',
    SLOW,
    async ({ pod: makePod }) => {
      // GC searches every namespace of the host for this network's taps: a network name of its
      // own keeps it away from every other test's (and any real pod's) attachments.
      const name = `urunc-gc-${randomBytes(4).toString('hex')}`;
      const conflist: Conflist = {
        ...loadExample('urunc-ptp.conflist'),
        name,
        cniVersion: '1.1.0',
      };
      const entry = uruncTapEntry(conflist);
      const [kept, stale] = [await makePod(), await makePod()];
      for (const [pod, containerId] of [
        [kept, 'ctr-kept'],
        [stale, 'ctr-stale'],
      ] as const) {
        const added = await cni({
          command: 'ADD',
          config: pluginConfig(conflist, entry, '1.1.0', await firstPluginResult('1.1.0', pod)),
          netns: pod.netns,
          containerId,
        });
        expect(added.exitCode, added.stdout + added.stderr).toBe(0);
      }

      const gc = await cni({
        command: 'GC',
        config: {
          ...pluginConfig(conflist, entry, '1.1.0'),
          'cni.dev/valid-attachments': [{ containerID: 'ctr-kept', ifname: 'eth0' }],
        },
        env: noContainer,
      });
      expect(gc.exitCode, gc.stdout + gc.stderr).toBe(0);
      expect(gc.stdout).toBe('');

      // The stale attachment is gone as after its DEL; the listed one is untouched.
      expect(await linkNames(stale.ns)).toEqual(['eth0', 'lo']);
      expect(await ingressQdiscs(stale.ns)).toEqual({});
      expect(await podAnswersPing(stale, 4)).toBe(true);
      expect(await redirectTargets(kept.ns, 'eth0')).toEqual(['tap0_urunc']);
      expect(await redirectTargets(kept.ns, 'tap0_urunc')).toEqual(['eth0']);

      const deleted = await cni({
        command: 'DEL',
        config: pluginConfig(conflist, entry, '1.1.0'),
        netns: kept.netns,
        containerId: 'ctr-kept',
      });
      expect(deleted.exitCode, deleted.stdout).toBe(0);
      expect(await linkNames(kept.ns)).toEqual(['eth0', 'lo']);
    },
  );
});
