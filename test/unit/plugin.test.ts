// The verbs on a fake host: DEL by the attachment's marks wherever its tap is, what each verb
// refuses before touching a namespace, the podAnnotation gate, STATUS and GC through the
// plugin. (ADD and CHECK proper need a real namespace: test/netns.)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CniEnv } from '../../src/cni/env.js';
import type { VerbRequest } from '../../src/cni/plugin-api.js';
import type { Requirement } from '../../src/net/backend.js';
import { NetError } from '../../src/net/errors.js';
import { lockName, tapAlias } from '../../src/plugin/marks.js';
import { createPlugin } from '../../src/plugin/plugin.js';
import { fakeHost, type FakeOptions } from './fake-platform.js';
import {
  attachment,
  foreignHook,
  foreignFilter,
  hook,
  ourRedirect,
  podIf,
  snapshot,
  tap,
  wired,
} from './state.js';

const hostState = vi.hoisted(() => ({ requirements: [] as Requirement[] }));
vi.mock('../../src/net/host.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src/net/host.js')>()),
  hostRequirements: () => hostState.requirements,
}));
beforeEach(() => {
  hostState.requirements = [{ name: '/dev/net/tun', ok: true, detail: 'character device' }];
});

const scratch = mkdtempSync(join(tmpdir(), 'urunc-tap-plugin-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
/** A plain file: a path that exists but is no network namespace (left after an unmount). */
const PLAIN_FILE = join(scratch, 'not-a-netns');
writeFileSync(PLAIN_FILE, '');
const GONE = '/run/netns/urunc-tap-unit-gone';
/** Where the fake host keeps the pod (a path that leads nowhere on this machine). */
const POD = '/run/netns/urunc-tap-unit-pod';

const config = (extra: Record<string, unknown> = {}) => ({
  cniVersion: '1.0.0',
  name: 'net1',
  type: 'urunc-tap',
  ...extra,
});
const env = (command: CniEnv['command'], overrides: Partial<CniEnv> = {}): CniEnv => ({
  command,
  containerId: attachment.containerId,
  ifname: attachment.ifname,
  netns: POD,
  args: new Map(),
  ...overrides,
});
const request = (
  command: CniEnv['command'],
  extra: Record<string, unknown> = {},
  overrides: Partial<CniEnv> = {},
): VerbRequest => ({ env: env(command, overrides), version: '1.0.0', config: config(extra) });

function setup(namespaces = { [POD]: wired() }, options: FakeOptions = {}) {
  const host = fakeHost(namespaces, options);
  const logged: Array<{ message: string; level: unknown }> = [];
  const plugin = createPlugin(host.platform, (message, fields) =>
    logged.push({ message, level: fields?.level ?? 'info' }),
  );
  return { host, plugin, logged, messages: () => logged.map((entry) => entry.message) };
}

describe('DEL', () => {
  it('with an empty CNI_NETNS (the namespace is gone) does nothing and searches nothing', async () => {
    const { host, plugin, messages } = setup();
    await plugin.del(request('DEL', {}, { netns: '' }));
    expect(host.applied).toEqual([]);
    expect(host.reads).toEqual([]);
    expect(messages()).toEqual(['CNI_NETNS is empty: the namespace is gone, nothing to do']);
  });

  it.each([
    [GONE, 'does not exist'],
    [PLAIN_FILE, 'is not a network namespace'],
    ['/proc/self/ns/net', "is the plugin's own namespace"],
  ])(
    'with CNI_NETNS %j, finds the tap by its alias in the host namespaces and removes it all',
    async (netns, why) => {
      const { host, plugin, messages } = setup();
      await plugin.del(request('DEL', {}, { netns }));
      expect(host.applied).toEqual([
        [
          POD,
          [
            { op: 'delete-ingress-qdisc', dev: 'eth0' },
            { op: 'delete-link', name: 'tap0_urunc' },
          ],
        ],
      ]);
      expect(host.namespaces.get(POD)).toEqual(snapshot([podIf()]));
      expect(messages()[0]).toBe(
        `CNI_NETNS ${netns} ${why}: searched the host's namespaces for this attachment's tap, found it in 1`,
      );
    },
  );

  it('succeeds again and again once nothing is left (the second and tenth DEL)', async () => {
    const { host, plugin } = setup();
    for (let i = 0; i < 3; i++) await plugin.del(request('DEL', {}, { netns: GONE }));
    expect(host.applied).toHaveLength(1);
    expect(host.namespaces.get(POD)).toEqual(snapshot([podIf()]));
  });

  it("removes this attachment's tap under any name, and nothing of another's", async () => {
    const other = { ...attachment, containerId: 'ctr2', ifname: 'net1' };
    const state = snapshot(
      [
        podIf(),
        tap({ name: 'vm3' }),
        podIf({ name: 'net1' }),
        tap({ name: 'tap9', alias: tapAlias(other) }),
      ],
      [
        ['eth0', foreignHook([foreignFilter(), ourRedirect('vm3')])],
        ['net1', hook([ourRedirect('tap9', { owner: other })])],
      ],
    );
    const { host, plugin } = setup({ [POD]: state });
    await plugin.del(request('DEL', {}, { netns: GONE }));
    const left = host.namespaces.get(POD)!;
    expect(left.links.map((link) => link.name)).toEqual(['eth0', 'net1', 'tap9']);
    expect(left.hooks.get('eth0')!.filters).toEqual([foreignFilter()]);
    expect(left.hooks.get('net1')!.filters).toHaveLength(1);
  });

  it('reads only the identity: a changed tapName, garbage CNI_ARGS, a bad value elsewhere', async () => {
    const { host, plugin, logged } = setup();
    const changed = request(
      'DEL',
      {
        tapName: 'renamed',
        mtu: 1,
        owner: 'nobody',
        podAnnotation: 'urunc.io/tap',
        logFile: '/etc/passwd',
        timeoutMs: 2000,
      },
      { netns: GONE, args: new Map([['FOO', 'bar']]) },
    );
    await plugin.del(changed);
    expect(host.applied.map(([netns]) => netns)).toEqual([POD]);
    expect(host.timeouts).toEqual([2000]);
    expect(host.locks).toEqual([lockName(attachment)]);
    expect(logged[0]).toEqual({
      message:
        'logFile /etc/passwd ignored: must be a file directly in /var/log/urunc-tap, named with letters, digits, "_", "." and "-"',
      level: 'warn',
    });
  });

  it('refuses a config without a usable network name (code 7), touching nothing', async () => {
    const { host, plugin } = setup();
    await expect(plugin.del(request('DEL', { name: 'bad name' }))).rejects.toMatchObject({
      code: 7,
    });
    expect(host.timeouts).toEqual([]);
  });

  it('fails with code 100 when a removal fails, naming the command and namespace', async () => {
    const { plugin } = setup(undefined, {
      failApply: (netns) =>
        new NetError({
          operation: 'ip link del dev tap0_urunc',
          netns,
          errno: 'EPERM',
          detail: 'nope',
        }),
    });
    await expect(plugin.del(request('DEL', {}, { netns: GONE }))).rejects.toMatchObject({
      code: 100,
      message: `removing the tap wiring: \`ip link del dev tap0_urunc\` in ${POD} failed (EPERM): nope`,
    });
  });

  it('finds nothing and succeeds when the attachment is nowhere', async () => {
    const { host, plugin, messages } = setup({ [POD]: snapshot([podIf()]) });
    await plugin.del(request('DEL', {}, { netns: GONE }));
    expect(host.applied).toEqual([]);
    expect(messages()).toEqual([
      `CNI_NETNS ${GONE} does not exist: searched the host's namespaces for this attachment's tap, found it in 0`,
    ]);
  });
});

describe('ADD and CHECK before any namespace is touched', () => {
  const prevResult = {
    cniVersion: '1.0.0',
    interfaces: [{ name: 'eth0', mac: '0a:00:00:00:00:02', sandbox: POD }],
    ips: [{ address: '10.0.0.2/24', interface: 0 }],
  };

  it('ADD passes prevResult through, in the config version, for a pod not selected', async () => {
    const { host, plugin, logged } = setup();
    const result = await plugin.add({
      ...request('ADD', { podAnnotation: 'urunc.io/tap', prevResult }),
      version: '0.4.0',
    });
    expect(result).toEqual({
      cniVersion: '0.4.0',
      interfaces: prevResult.interfaces,
      ips: [{ address: '10.0.0.2/24', interface: 0, version: '4' }],
    });
    expect(host.timeouts).toEqual([]);
    expect(host.locks).toEqual([]);
    expect(logged.map((entry) => entry.level)).toEqual(['warn', 'info']);
    expect(logged[1]!.message).toBe(
      'left alone: the runtime passed no pod annotations, so urunc.io/tap cannot be read (config podAnnotation)',
    );
  });

  it('ADD of a pod annotated otherwise is left alone without a warning', async () => {
    const { host, plugin, logged } = setup();
    const result = await plugin.add(
      request('ADD', {
        podAnnotation: 'urunc.io/tap',
        runtimeConfig: { 'io.kubernetes.cri.pod-annotations': { 'urunc.io/tap': 'false' } },
      }),
    );
    expect(result).toEqual({ cniVersion: '1.0.0' });
    expect(logged).toEqual([
      {
        message: 'left alone: annotation urunc.io/tap is not "true" (config podAnnotation)',
        level: 'info',
      },
    ]);
    expect(host.reads).toEqual([]);
  });

  it('CHECK of a pod not selected checks nothing', async () => {
    const { host, plugin, messages } = setup();
    await plugin.check(request('CHECK', { podAnnotation: 'urunc.io/tap' }));
    expect(messages()).toEqual([
      'nothing to check: the pod is not selected (config podAnnotation)',
    ]);
    expect(host.reads).toEqual([]);
  });

  it.each([
    ['/proc/self/ns/net', "CNI_NETNS is the plugin's own network namespace; refusing to ADD there"],
    [GONE, `CNI_NETNS ${GONE} does not exist`],
    [PLAIN_FILE, `CNI_NETNS ${PLAIN_FILE} is not a network namespace`],
  ])('ADD refuses CNI_NETNS %s with code 4', async (netns, message) => {
    const { host, plugin } = setup();
    await expect(plugin.add(request('ADD', {}, { netns }))).rejects.toMatchObject({
      code: 4,
      message,
    });
    expect(host.locks).toEqual([]);
  });

  it('CHECK refuses its own namespace too', async () => {
    const { plugin } = setup();
    await expect(
      plugin.check(request('CHECK', {}, { netns: '/proc/self/ns/net' })),
    ).rejects.toMatchObject({
      code: 4,
      message: "CNI_NETNS is the plugin's own network namespace; refusing to CHECK there",
    });
  });

  it('refuses a tapName equal to CNI_IFNAME (code 7), from the config or CNI_ARGS', async () => {
    const { plugin } = setup();
    const message =
      'config key "tapName" is "eth0", the same as CNI_IFNAME; the tap needs a name of its own';
    await expect(plugin.add(request('ADD', { tapName: 'eth0' }))).rejects.toMatchObject({
      code: 7,
      message,
    });
    const viaArgs = request('ADD', {}, { args: new Map([['TC_REDIRECT_TAP_NAME', 'eth0']]) });
    await expect(plugin.add(viaArgs)).rejects.toMatchObject({ code: 7, message });
  });

  it('refuses unknown CNI_ARGS on ADD (code 4), unlike DEL', async () => {
    const { plugin } = setup();
    await expect(
      plugin.add(request('ADD', {}, { args: new Map([['FOO', 'bar']]) })),
    ).rejects.toMatchObject({ code: 4 });
  });
});

describe('STATUS and GC', () => {
  it('STATUS passes when every check does, creating nothing', async () => {
    const { host, plugin, logged } = setup(undefined, {
      requirements: [{ name: 'tc', ok: true, detail: '/usr/sbin/tc' }],
    });
    await plugin.status!({ version: '1.1.0', config: config({ cniVersion: '1.1.0' }) });
    expect(host.reads).toEqual([]);
    expect(host.applied).toEqual([]);
    expect(logged).toEqual([
      { message: 'tc: ok: /usr/sbin/tc', level: 'debug' },
      { message: '/dev/net/tun: ok: character device', level: 'debug' },
    ]);
  });

  it('STATUS is code 50 naming every failed check and its fix', async () => {
    hostState.requirements = [
      {
        name: 'CAP_NET_ADMIN',
        ok: false,
        detail: 'missing: needed to create taps',
        fix: 'run as root',
      },
    ];
    const { plugin } = setup(undefined, {
      requirements: [
        { name: 'tc', ok: false, detail: 'not found on PATH', fix: 'apt-get install iproute2' },
      ],
    });
    await expect(
      plugin.status!({ version: '1.1.0', config: config({ cniVersion: '1.1.0' }) }),
    ).rejects.toMatchObject({
      code: 50,
      message:
        'urunc-tap cannot serve ADD on this host: tc: not found on PATH; CAP_NET_ADMIN: missing: needed to create taps',
      details:
        'tc: not found on PATH (fix: apt-get install iproute2)\nCAP_NET_ADMIN: missing: needed to create taps (fix: run as root)',
    });
  });

  it('GC removes the stale attachments of the network', async () => {
    const { host, plugin } = setup();
    await plugin.gc!({
      version: '1.1.0',
      config: config({ cniVersion: '1.1.0' }),
      validAttachments: [{ containerId: 'other', ifname: 'eth0' }],
    });
    expect(host.namespaces.get(POD)).toEqual(snapshot([podIf()]));
  });
});
