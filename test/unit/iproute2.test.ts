// The iproute2 backend with a scripted runner: the commands each change becomes, the one read
// of a namespace (two processes), batched changes and how far a failed batch got, the
// host-wide link read, and what iproute2's failures say.
import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/net/changes.js';
import { isTransient, NetError } from '../../src/net/errors.js';
import { commandsFor } from '../../src/net/iproute2/commands.js';
import { IprouteError, type IprouteCommand, type Runner } from '../../src/net/iproute2/exec.js';
import {
  applyChanges,
  OWN_NETNS,
  readLinksOf,
  readNamespace,
  runBatch,
  script,
} from '../../src/net/iproute2/read.js';
import { QDISC_MARK, redirectCookie, tapAlias } from '../../src/plugin/marks.js';
import { planDel } from '../../src/plugin/plan-del.js';
import { attachment } from './state.js';

const COOKIE = redirectCookie(attachment);

/** `filter show dev X ingress` of one of our redirects to `target`, as tc prints it. */
const redirectJson = (target: string, cookie = COOKIE) =>
  JSON.stringify([
    { protocol: 'all', pref: 65280, kind: 'u32', chain: 0 },
    { protocol: 'all', pref: 65280, kind: 'u32', chain: 0, options: { fh: '800:', ht_divisor: 1 } },
    {
      protocol: 'all',
      pref: 65280,
      kind: 'u32',
      chain: 0,
      options: {
        fh: '800::800',
        order: 2048,
        match: { value: '0', mask: '0', offmask: '', off: 0 },
        actions: [
          {
            order: 1,
            kind: 'mirred',
            mirred_action: 'redirect',
            direction: 'egress',
            to_dev: target,
            control_action: { type: 'stolen' },
            cookie,
          },
        ],
      },
    },
  ]);

/** `qdisc show` with our marked ingress qdisc on each of `devs`. */
const qdiscsJson = (...devs: string[]) =>
  JSON.stringify([
    { kind: 'noqueue', handle: '0:', dev: 'eth0', root: true, refcnt: 2, options: {} },
    ...devs.map((dev) => ({
      kind: 'ingress',
      handle: 'ffff:',
      dev,
      parent: 'ffff:fff1',
      stab: { mpu: QDISC_MARK, mtu: 2047, tsize: 512 },
    })),
  ]);

const ETH0 = { ifindex: 2, ifname: 'eth0', flags: ['UP'], mtu: 1500, address: '0a:00:00:00:00:02' };
const tapJson = (ifname: string, alias: string | undefined = tapAlias(attachment)) => ({
  ifindex: 3,
  ifname,
  flags: ['UP'],
  mtu: 1500,
  address: '0a:00:00:00:00:03',
  ...(alias ? { ifalias: alias } : {}),
  linkinfo: { info_kind: 'tun', info_data: { type: 'tap', vnet_hdr: true, persist: true } },
});

const failure = (command: IprouteCommand, stderr: string, timedOut = false) =>
  new IprouteError({
    argv: [command.tool, ...command.args],
    netns: command.netns,
    exitCode: timedOut ? undefined : 1,
    stderr,
    timedOut,
    input: command.input,
  });

/** A runner that answers from a script (stdout, or stderr to fail with) and records calls. */
function fakeRunner(answers: Array<{ stdout?: string; stderr?: string; timedOut?: boolean }>) {
  const calls: IprouteCommand[] = [];
  const run: Runner = async (command) => {
    calls.push(command);
    const answer = answers.shift();
    if (!answer) throw new Error(`unexpected call ${command.tool} ${command.args.join(' ')}`);
    if (answer.stderr === undefined) return answer.stdout ?? '';
    throw failure(command, answer.stderr, answer.timedOut);
  };
  return { run, calls };
}

describe('commandsFor', () => {
  it('creates a tap in two commands: the device under its staging name, then its name, settings and alias', () => {
    const create: Change = {
      op: 'create-tap',
      name: 'tap0_urunc',
      staging: 'utap-0123456789',
      owner: 1000,
      group: 0,
      vnetHdr: true,
      multiQueue: true,
      mtu: 1400,
      mac: '02:00:00:00:00:01',
      alias: 'urunc-tap:n:eth0:c',
    };
    expect(commandsFor(create)).toEqual([
      {
        tool: 'ip',
        args: 'tuntap add dev utap-0123456789 mode tap user 1000 group 0 vnet_hdr multi_queue'.split(
          ' ',
        ),
      },
      {
        tool: 'ip',
        args: 'link set dev utap-0123456789 name tap0_urunc mtu 1400 address 02:00:00:00:00:01 alias urunc-tap:n:eth0:c up'.split(
          ' ',
        ),
      },
    ]);
    const plain = commandsFor({
      ...create,
      owner: undefined,
      group: undefined,
      vnetHdr: false,
      multiQueue: false,
    });
    expect(plain[0]!.args).toEqual('tuntap add dev utap-0123456789 mode tap'.split(' '));
  });

  it.each<[Change, string]>([
    [{ op: 'set-link', name: 't', mtu: 9000 }, 'ip link set dev t mtu 9000 up'],
    [{ op: 'delete-link', name: 't' }, 'ip link del dev t'],
    [
      { op: 'add-ingress-qdisc', dev: 'eth0', mark: QDISC_MARK },
      'tc qdisc add dev eth0 handle ffff: stab mpu 1970561392 ingress',
    ],
    [{ op: 'delete-ingress-qdisc', dev: 'eth0' }, 'tc qdisc del dev eth0 ingress'],
    [
      { op: 'add-redirect', dev: 'eth0', pref: 65280, target: 't', cookie: 'abcd' },
      'tc filter add dev eth0 ingress pref 65280 protocol all u32 match u32 0 0 action mirred egress redirect dev t cookie abcd',
    ],
    [
      { op: 'delete-filter', dev: 'eth0', pref: 7, kind: 'u32', handle: 0x80000801 },
      'tc filter del dev eth0 ingress pref 7 handle 800::801 u32',
    ],
    [
      { op: 'delete-filter', dev: 'eth0', pref: 7, kind: 'bpf', handle: 1 },
      'tc filter del dev eth0 ingress pref 7 handle 0x1 bpf',
    ],
    [
      { op: 'delete-priority', dev: 'eth0', pref: 65280, kind: 'u32' },
      'tc filter del dev eth0 ingress pref 65280 u32',
    ],
  ])('%o is `%s`', (change, line) => {
    expect(commandsFor(change).map(({ tool, args }) => [tool, ...args].join(' '))).toEqual([line]);
  });
});

describe('readNamespace', () => {
  it('reads links, then every hook in one tc batch: two processes in all', async () => {
    const { run, calls } = fakeRunner([
      { stdout: JSON.stringify([ETH0, tapJson('tap0_urunc')]) },
      {
        stdout: `${qdiscsJson('eth0', 'tap0_urunc')}\n${redirectJson('tap0_urunc')}\n${redirectJson('eth0')}\n`,
      },
    ]);
    const state = await readNamespace(run, '/run/netns/pod');
    expect(calls).toEqual([
      { tool: 'ip', args: ['-json', '-details', 'link', 'show'], netns: '/run/netns/pod' },
      {
        tool: 'tc',
        args: ['-json', '-details', '-batch', '-'],
        netns: '/run/netns/pod',
        input: 'qdisc show\nfilter show dev eth0 ingress\nfilter show dev tap0_urunc ingress\n',
      },
    ]);
    expect(state.netns).toBe('/run/netns/pod');
    expect(state.links.map((link) => link.name)).toEqual(['eth0', 'tap0_urunc']);
    expect(state.hooks.get('eth0')).toMatchObject({
      qdisc: 'ingress',
      qdiscMark: QDISC_MARK,
      filters: [{ pref: 65280, handle: 0x80000800, matchesAll: true }],
    });
    // DEL plans from this one read: the qdisc of ours on eth0, then the tap.
    expect(planDel(state, attachment)).toEqual([
      { op: 'delete-ingress-qdisc', dev: 'eth0' },
      { op: 'delete-link', name: 'tap0_urunc' },
    ]);
  });

  it('gives a device without an ingress qdisc no hook, even if tc printed filters', async () => {
    const { run } = fakeRunner([
      { stdout: JSON.stringify([ETH0]) },
      { stdout: `${qdiscsJson()}\n[]\n` },
    ]);
    expect((await readNamespace(run, '/n')).hooks.size).toBe(0);
  });

  it('reads an orphaned redirect (tap deleted by hand): DEL removes it, and the qdisc', async () => {
    const { run } = fakeRunner([
      { stdout: JSON.stringify([ETH0]) },
      { stdout: `${qdiscsJson('eth0')}\n${redirectJson('*')}\n` },
    ]);
    const state = await readNamespace(run, '/n');
    expect(planDel(state, attachment)).toEqual([{ op: 'delete-ingress-qdisc', dev: 'eth0' }]);
  });

  it("finds this attachment's tap by alias under any name, and keeps a foreign one", async () => {
    const { run } = fakeRunner([
      { stdout: JSON.stringify([ETH0, tapJson('tap0_urunc', 'somebody else'), tapJson('vm3')]) },
      { stdout: `${qdiscsJson()}\n[]\n[]\n[]\n` },
    ]);
    expect(planDel(await readNamespace(run, '/n'), attachment)).toEqual([
      { op: 'delete-link', name: 'vm3' },
    ]);
  });

  it('lists a device whose name a batch line cannot carry, without its hook', async () => {
    const odd = { ...ETH0, ifindex: 9, ifname: 'we"ird' };
    const { run, calls } = fakeRunner([
      { stdout: JSON.stringify([ETH0, odd]) },
      { stdout: `${qdiscsJson('eth0')}\n[]\n` },
    ]);
    const state = await readNamespace(run, '/n');
    expect(state.links.map((link) => link.name)).toEqual(['eth0', 'we"ird']);
    expect(calls[1]!.input).toBe('qdisc show\nfilter show dev eth0 ingress\n');
  });

  it('refuses a tc batch that printed fewer documents than it had lines', async () => {
    const { run } = fakeRunner([
      { stdout: JSON.stringify([ETH0, tapJson('tap0_urunc')]) },
      { stdout: `${qdiscsJson()}\n[]\n` },
    ]);
    const error = await readNamespace(run, '/n').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IprouteError);
    expect((error as IprouteError).stderr).toBe('printed 2 JSON documents for 3 queries');
  });

  it('passes a failed read on, with the namespace and what the tool said', async () => {
    const { run } = fakeRunner([{ stderr: 'nsenter: cannot open /n: No such file or directory' }]);
    const error = (await readNamespace(run, '/n').catch((e: unknown) => e)) as IprouteError;
    expect(error).toBeInstanceOf(NetError);
    expect(error).toMatchObject({
      netns: '/n',
      errno: 'ENOENT',
      operation: 'ip -json -details link show',
    });
  });
});

describe('applyChanges', () => {
  const changes: Change[] = [
    {
      op: 'create-tap',
      name: 't',
      staging: 's',
      owner: undefined,
      group: undefined,
      vnetHdr: true,
      multiQueue: false,
      mtu: 1500,
      mac: '02:00:00:00:00:01',
      alias: 'a',
    },
    { op: 'add-ingress-qdisc', dev: 'eth0', mark: QDISC_MARK },
    { op: 'add-redirect', dev: 'eth0', pref: 65280, target: 't', cookie: 'ab' },
    { op: 'delete-link', name: 'old' },
  ];

  it('runs one batch per run of same-tool commands, in order', async () => {
    const { run, calls } = fakeRunner([{}, {}, {}]);
    await applyChanges(run, '/n', changes);
    expect(calls.map((call) => [call.tool, call.args.join(' '), call.input])).toEqual([
      [
        'ip',
        '-batch -',
        'tuntap add dev s mode tap vnet_hdr\nlink set dev s name t mtu 1500 address 02:00:00:00:00:01 alias a up\n',
      ],
      [
        'tc',
        '-batch -',
        'qdisc add dev eth0 handle ffff: stab mpu 1970561392 ingress\nfilter add dev eth0 ingress pref 65280 protocol all u32 match u32 0 0 action mirred egress redirect dev t cookie ab\n',
      ],
      ['ip', '-batch -', 'link del dev old\n'],
    ]);
  });

  it('runs nothing for no changes', async () => {
    const { run, calls } = fakeRunner([]);
    await applyChanges(run, '/n', []);
    expect(calls).toEqual([]);
  });

  it('names the failing line of a tap that failed at its second command', async () => {
    const { run } = fakeRunner([
      { stderr: 'RTNETLINK answers: Invalid argument\nCommand failed -:2\n' },
    ]);
    const error = (await applyChanges(run, '/n', changes).catch((e: unknown) => e)) as IprouteError;
    expect(error.progress).toEqual({ applied: 0 });
    expect(error.batchLine).toBe(2);
    expect(error.argv.slice(0, 4)).toEqual(['ip', 'link', 'set', 'dev']);
    expect(error.stderr).toBe('RTNETLINK answers: Invalid argument');
  });

  it('counts the changes of earlier batches and lines as applied', async () => {
    const { run } = fakeRunner([
      {},
      { stderr: 'RTNETLINK answers: File exists\nCommand failed -:2\n' },
    ]);
    const error = (await applyChanges(run, '/n', changes).catch((e: unknown) => e)) as IprouteError;
    expect(error.progress).toEqual({ applied: 2 });
    expect(error.errno).toBe('EEXIST');
    expect(isTransient(error)).toBe(true);
  });

  it('counts none of a batch that failed as a whole (no line named)', async () => {
    const { run } = fakeRunner([{}, { stderr: 'nsenter: reassociate failed', timedOut: true }]);
    const error = (await applyChanges(run, '/n', changes).catch((e: unknown) => e)) as IprouteError;
    expect(error.progress).toEqual({ applied: 1 });
    expect(error.timedOut).toBe(true);
    expect(isTransient(error)).toBe(false);
  });
});

describe('runBatch', () => {
  it("names the failing line's command, without iproute2's line marker", async () => {
    const { run } = fakeRunner([
      { stderr: 'Error: Specified action kind is not supported\nCommand failed -:1\n' },
    ]);
    const error = (await runBatch(run, '/n', [
      { tool: 'tc', args: ['filter', 'add', 'dev', 'eth0'] },
    ]).catch((e: unknown) => e)) as IprouteError;
    expect(error.message).toBe(
      '`tc filter add dev eth0` in /n failed (exit 1): Error: Specified action kind is not supported',
    );
  });

  it('refuses an argument the batch syntax would read as something else', () => {
    expect(script([['link', 'del', 'dev', 'tap0']])).toBe('link del dev tap0\n');
    for (const bad of ['a b', 'a"b', "a'b", 'a#b', 'a\\b', '-x', '']) {
      expect(() => script([['link', 'del', 'dev', bad]])).toThrow(
        `unsafe argument for an iproute2 batch: ${JSON.stringify(bad)}`,
      );
    }
  });
});

describe('readLinksOf', () => {
  it('reads each namespace with one ip process (never `ip -all netns exec`), dropping the unreadable', async () => {
    const calls: string[][] = [];
    const run: Runner = async (command) => {
      calls.push([command.netns, ...command.args]);
      if (command.netns === '/run/netns/a') return JSON.stringify([ETH0]);
      if (command.netns === '/proc/42/ns/net') return JSON.stringify([tapJson('tap0_urunc')]);
      throw failure(command, 'nsenter: cannot open: No such file or directory');
    };
    const found = await readLinksOf(run, ['/run/netns/a', '/proc/42/ns/net', '/proc/43/ns/net']);
    expect(calls.every(([, ...args]) => args.join(' ') === '-json -details link show')).toBe(true);
    expect(calls.map(([netns]) => netns).sort()).toEqual([
      '/proc/42/ns/net',
      '/proc/43/ns/net',
      '/run/netns/a',
    ]);
    expect([...found.keys()].sort()).toEqual(['/proc/42/ns/net', '/run/netns/a']);
    expect(found.get('/proc/42/ns/net')!.map((link) => link.name)).toEqual(['tap0_urunc']);
  });
});

describe('IprouteError', () => {
  it.each([
    ['RTNETLINK answers: File exists', 'EEXIST', true],
    ['Cannot find device "tap0_urunc"', 'ENODEV', true],
    ['RTNETLINK answers: No such device', 'ENODEV', true],
    ['RTNETLINK answers: No such file or directory', 'ENOENT', true],
    ['RTNETLINK answers: Device or resource busy', 'EBUSY', true],
    ['RTNETLINK answers: Resource temporarily unavailable', 'EAGAIN', true],
    ['RTNETLINK answers: Operation not permitted', 'EPERM', false],
    ['RTNETLINK answers: Invalid argument', 'EINVAL', false],
    ['Error: Specified qdisc kind is unknown.', undefined, false],
  ])('reads %j as errno %s (transient: %s)', (stderr, errno, transient) => {
    const error = failure({ tool: 'tc', args: ['-batch', '-'], netns: '/n' }, stderr);
    expect(error.errno).toBe(errno);
    expect(isTransient(error)).toBe(transient);
  });

  it('carries argv, namespace, exit code and stderr, with a one-line message', () => {
    const error = failure({ tool: 'ip', args: ['link', 'del', 'dev', 't'], netns: '/n' }, 'boom\n');
    expect(error).toMatchObject({
      name: 'IprouteError',
      argv: ['ip', 'link', 'del', 'dev', 't'],
      netns: '/n',
      exitCode: 1,
      stderr: 'boom\n',
      operation: 'ip link del dev t',
      progress: undefined,
    });
    expect(error.message).toBe('`ip link del dev t` in /n failed (exit 1): boom');
    const slow = failure({ tool: 'tc', args: ['qdisc', 'show'], netns: '/n' }, '', true);
    expect(slow.message).toBe('`tc qdisc show` in /n timed out: no output');
  });
});
