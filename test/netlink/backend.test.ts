// The netlink backend on real namespaces (run under Bun by driver.ts): it reads what iproute2
// shows, each change leaves what its shell equivalent leaves, errors carry errno and the
// kernel's message, create-tap is atomic under SIGKILL, the probe leaves no namespace, the lock
// binder meets Node's, and traffic really crosses the redirects.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect } from 'vitest';
import { shellEquivalent, type Change } from '../../src/net/changes.js';
import type { Link } from '../../src/net/model.js';
import { answersPing, startGuest } from '../helpers/fake-guest.js';
import { test } from '../helpers/fixtures.js';
import { POD_IP, type Pod } from '../helpers/netns.js';
import { handPodIpToGuest } from '../helpers/guest-traffic.js';
import { ipn, tcn } from '../helpers/sh.js';
import { noNetns } from '../helpers/tier.js';
import { drive, noBun, startDriver } from './bun.js';
import { filtersFromIproute, ingressQdiscsFromIproute, linksFromIproute } from './iproute-model.js';

const TAP = 'tap0_urunc';
const PREF = 49152;
const COOKIE_ETH0 = '75727563000000000000000000000001';
const COOKIE_TAP = '7572756300000002';
const MARK = 0x7572;

/** The ADD change list of a pod (tap, two ingress qdiscs, two redirects). */
function addChanges(pod: Pod, tap: Partial<Extract<Change, { op: 'create-tap' }>> = {}): Change[] {
  return [
    {
      op: 'create-tap',
      name: TAP,
      staging: 'utap-test',
      owner: 4000,
      group: 4001,
      vnetHdr: true,
      multiQueue: false,
      mtu: 1500,
      mac: '02:75:00:00:00:01',
      alias: 'urunc-tap test attachment',
      ...tap,
    },
    { op: 'add-ingress-qdisc', dev: pod.ifname, mark: MARK },
    { op: 'add-ingress-qdisc', dev: TAP, mark: MARK },
    { op: 'add-redirect', dev: pod.ifname, pref: PREF, target: TAP, cookie: COOKIE_ETH0 },
    { op: 'add-redirect', dev: TAP, pref: PREF, target: pod.ifname, cookie: COOKIE_TAP },
  ];
}

/** Each change's shell equivalent (src/net/changes.ts), run with `-n NS`: the oracle. */
async function applyByShell(ns: string, changes: Change[]): Promise<void> {
  for (const [tool, ...args] of changes.flatMap(shellEquivalent)) {
    await (tool === 'ip' ? ipn : tcn)(ns, ...args);
  }
}

async function applyByNetlink(netns: string, changes: Change[]): Promise<void> {
  expect(await drive('apply', netns, JSON.stringify(changes))).toEqual({ ok: true });
}

/** iproute2's detailed view of a namespace, less what differs between two identical pods. */
async function view(ns: string): Promise<unknown> {
  const links = JSON.parse(await ipn(ns, '-j', '-d', 'link', 'show')) as Array<Record<string, any>>;
  const filters: Record<string, unknown> = {};
  for (const link of links) {
    filters[link.ifname] = JSON.parse(
      (await tcn(ns, '-j', '-d', 'filter', 'show', 'dev', link.ifname, 'ingress')) || '[]',
    );
  }
  for (const link of links) {
    // Veth MACs are random; the pods' veth peers live in different node namespaces.
    if (link.linkinfo?.info_kind !== 'tun') delete link.address;
    delete link.link_netnsid;
    delete link.link_index;
  }
  return { links, qdiscs: JSON.parse(await tcn(ns, '-j', '-d', 'qdisc', 'show')), filters };
}

/**
 * The views of two namespaces once they agree, or after 3 s. Why wait: a new device's operstate
 * is UNKNOWN (IFF_RUNNING shown, no NO-CARRIER) until linkwatch handles its carrier events,
 * which it does at most once a second, so a tap made a few ms ago may show "UNKNOWN" where the
 * same tap made by slower shell commands already shows "DOWN" (measured; the carrier itself,
 * IFF_LOWER_UP, is off at once in both).
 */
async function settledViews(a: string, b: string): Promise<[unknown, unknown]> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const views: [unknown, unknown] = [await view(a), await view(b)];
    if (isDeepStrictEqual(views[0], views[1]) || Date.now() > deadline) return views;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The model of a namespace as iproute2 shows it (iproute-model.ts). */
async function iprouteModel(ns: string) {
  const links = linksFromIproute(JSON.parse(await ipn(ns, '-j', '-d', 'link', 'show')));
  const qdiscs = ingressQdiscsFromIproute(JSON.parse(await tcn(ns, '-j', '-d', 'qdisc', 'show')));
  const hooks: Record<string, unknown> = {};
  for (const [dev, qdisc] of qdiscs) {
    const filters = JSON.parse(
      (await tcn(ns, '-j', 'filter', 'show', 'dev', dev, 'ingress')) || '[]',
    );
    hooks[dev] = { ...qdisc, filters: filtersFromIproute(filters) };
  }
  return { links, hooks };
}

/** A link of the namespace as `ip -j -d link show dev` prints it, undefined when absent. */
async function ipLink(ns: string, dev: string): Promise<Record<string, any> | undefined> {
  const links = JSON.parse(await ipn(ns, '-j', '-d', 'link', 'show')) as Array<Record<string, any>>;
  return links.find((link) => link.ifname === dev);
}

/** JSON drops undefined members: the model read back through the driver, normalised alike. */
const viaJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe.skipIf(noNetns || noBun)('netlink backend on real namespaces', () => {
  test('read gives the model iproute2 shows: veths, taps, ingress and clsact, foreign and orphaned filters', async ({
    pod,
  }) => {
    const p = await pod();
    await applyByShell(p.ns, addChanges(p));
    await ipn(
      p.ns,
      'tuntap',
      'add',
      'dev',
      'tapmq',
      'mode',
      'tap',
      'user',
      '0',
      'group',
      '0',
      'multi_queue',
    );
    await ipn(p.ns, 'tuntap', 'add', 'dev', 'tun0', 'mode', 'tun');
    await ipn(p.ns, 'link', 'add', 'veth1', 'type', 'veth', 'peer', 'name', 'veth2');
    await ipn(p.ns, 'link', 'add', 'gone0', 'type', 'veth', 'peer', 'name', 'gone1');
    await tcn(p.ns, 'qdisc', 'add', 'dev', 'veth1', 'clsact');
    await tcn(p.ns, 'qdisc', 'add', 'dev', 'veth2', 'ingress'); // no stab: no mark
    const foreign = ['u32', 'match', 'ip', 'dst', '10.9.9.9/32', 'classid', '1:1'];
    await tcn(
      p.ns,
      'filter',
      'add',
      'dev',
      'veth1',
      'ingress',
      'pref',
      '10',
      'protocol',
      'ip',
      ...foreign,
    );
    const mirror = [
      'action',
      'mirred',
      'ingress',
      'mirror',
      'dev',
      'gone0',
      'pipe',
      'cookie',
      'abcd',
    ];
    await tcn(
      p.ns,
      'filter',
      'add',
      'dev',
      'veth1',
      'ingress',
      'pref',
      '20',
      'protocol',
      'all',
      'u32',
      'match',
      'u32',
      '0',
      '0',
      ...mirror,
    );
    await tcn(
      p.ns,
      'filter',
      'add',
      'dev',
      'veth2',
      'ingress',
      'pref',
      '30',
      'protocol',
      'ipv6',
      'u32',
      'match',
      'u32',
      '0',
      '0',
      'action',
      'mirred',
      'egress',
      'redirect',
      'dev',
      'gone1',
    );
    await ipn(p.ns, 'link', 'del', 'dev', 'gone0'); // takes gone1 too: both redirects orphaned

    const read = await drive('read', p.netns);
    const expected = await iprouteModel(p.ns);
    expect(read.netns).toBe(p.netns);
    expect(read.links).toEqual(viaJson(expected.links));
    expect(read.hooks).toEqual(viaJson(expected.hooks));
    // And the facts the plugin relies on, spelled out.
    const tap = (read.links as Link[]).find((link) => link.name === TAP)!;
    expect(tap.tun).toEqual({
      type: 'tap',
      vnetHdr: true,
      multiQueue: false,
      persist: true,
      owner: 4000,
      group: 4001,
    });
    expect(read.hooks[p.ifname].qdiscMark).toBe(MARK);
    expect(read.hooks[p.ifname].filters[0]).toMatchObject({
      pref: PREF,
      protocol: 'all',
      kind: 'u32',
      handle: 0x80000800,
      matchesAll: true,
      actions: [
        {
          kind: 'mirred',
          mirredAction: 'redirect',
          direction: 'egress',
          toDev: TAP,
          cookie: COOKIE_ETH0,
          control: 'stolen',
        },
      ],
    });
    expect(read.hooks.veth1.qdisc).toBe('clsact');
    expect(
      read.hooks.veth1.filters.map((f: any) => [f.protocol, f.matchesAll, f.actions[0]?.toDev]),
    ).toEqual([
      ['ip', false, undefined],
      ['all', true, '*'],
    ]);
    expect(read.hooks.veth2.filters[0].actions[0].toDev).toBe('*');
  });

  test('readLinks reads every namespace it can and skips those that vanished', async ({ pod }) => {
    const [a, b] = [await pod(), await pod()];
    const read = await drive('read-links', a.netns, '/run/netns/ut-no-such-namespace', b.netns);
    expect(Object.keys(read)).toEqual([a.netns, b.netns]);
    expect(read[a.netns]).toEqual(
      viaJson(linksFromIproute(JSON.parse(await ipn(a.ns, '-j', '-d', 'link', 'show')))),
    );
  });

  test('the ADD and DEL change lists leave exactly what their shell equivalents leave', async ({
    pod,
  }) => {
    const [byNetlink, byShell] = [await pod(), await pod()];
    const steps: Array<(pod: Pod) => Change[]> = [
      (p) => addChanges(p),
      (p) => [
        {
          op: 'create-tap',
          name: 'tapmq',
          staging: 'utap-testmq',
          owner: undefined,
          group: undefined,
          vnetHdr: false,
          multiQueue: true,
          mtu: 9000,
          mac: '02:75:00:00:00:02',
          alias: 'second',
        },
        { op: 'set-link', name: 'tapmq', mtu: 1280 },
      ],
      (p) => [
        { op: 'delete-filter', dev: p.ifname, pref: PREF, kind: 'u32', handle: 0x80000800 },
        { op: 'delete-priority', dev: TAP, pref: PREF, kind: 'u32' },
        { op: 'delete-ingress-qdisc', dev: p.ifname },
        { op: 'delete-link', name: TAP },
        { op: 'delete-link', name: 'tapmq' },
      ],
    ];
    for (const step of steps) {
      await applyByNetlink(byNetlink.netns, step(byNetlink));
      await applyByShell(byShell.ns, step(byShell));
      const [netlink, shell] = await settledViews(byNetlink.ns, byShell.ns);
      expect(netlink).toEqual(shell);
    }
  });

  test('changes act on the devices of the read they were planned on: one replaced since fails them with ENODEV', async ({
    pod,
  }) => {
    const { netns, ns, ifname } = await pod();
    const changes: Change[] = [{ op: 'add-ingress-qdisc', dev: ifname, mark: MARK }];
    const answer = await drive('replace-then-apply', netns, ifname, JSON.stringify(changes));
    // ENODEV is transient: the verb reads again and plans on the new device (converge.ts).
    expect(answer.error).toMatchObject({ name: 'NetError', errno: 'ENODEV' });
    expect(await tcn(ns, 'qdisc', 'show', 'dev', ifname, 'ingress')).toBe('');
    expect(await ipn(ns, 'link', 'show', 'dev', `${ifname}-peer`)).toContain(`${ifname}-peer`);
  });

  test('errors name the shell equivalent and carry errno and the kernel message; apply stops at the first', async ({
    pod,
  }) => {
    const p = await pod();
    const apply = (changes: Change[]) => drive('apply', p.netns, JSON.stringify(changes));
    const [tap, qdisc] = addChanges(p) as [Change, Change];
    expect(await apply([tap])).toEqual({ ok: true });

    const exists = (await apply([tap])).error;
    expect(exists).toMatchObject({
      name: 'NetError',
      netns: p.netns,
      errno: 'EEXIST',
      timedOut: false,
      progress: { applied: 0 }, // and nothing of the failed tap is left
    });
    expect(exists.operation).toBe(
      'ip tuntap add dev tap0_urunc mode tap user 4000 group 4001 vnet_hdr',
    );
    expect(exists.detail).toMatch(/EBUSY .*a device named tap0_urunc exists/);

    const eth0 = (await apply([{ ...(tap as object), name: p.ifname } as Change])).error;
    expect(eth0.errno).toBe('EEXIST'); // a veth of that name: never attached to

    const missing = await apply([
      { op: 'add-redirect', dev: 'nope0', pref: 1, target: TAP, cookie: 'aa' },
    ]);
    expect(missing.error).toMatchObject({ errno: 'ENODEV', detail: 'Cannot find device "nope0"' });
    expect(missing.error.operation).toMatch(/^tc filter add dev nope0 ingress pref 1 /);

    const gone = await apply([{ op: 'delete-link', name: 'nope0' }]);
    expect(gone.error).toMatchObject({ errno: 'ENODEV', operation: 'ip link del dev nope0' });

    // The kernel's own words (extended ack), and nothing after the failing change.
    const twice = await apply([qdisc, qdisc, { op: 'delete-link', name: TAP }]);
    expect(twice.error).toMatchObject({
      progress: { applied: 1 },
      errno: 'EEXIST',
      operation: `tc qdisc add dev ${p.ifname} handle ffff: stab mpu ${MARK} ingress`,
      detail: 'Exclusivity flag on, cannot modify',
    });
    expect(await ipLink(p.ns, TAP)).toBeDefined();

    const noFilter = await apply([{ op: 'delete-priority', dev: p.ifname, pref: 7, kind: 'u32' }]);
    expect(noFilter.error).toMatchObject({ errno: 'ENOENT' });
    expect(noFilter.error.detail.length).toBeGreaterThan(0);

    // A tap whose configuration fails goes with our fd: never left without its alias.
    const tooBig = await apply([{ ...(tap as object), name: 'tapbig', mtu: 70000 } as Change]);
    expect(tooBig.error).toMatchObject({
      errno: 'EINVAL',
      progress: { applied: 0 },
    });
    expect(tooBig.error.operation).toMatch(/^ip link set dev tapbig mtu 70000 address /);
    expect(tooBig.error.detail).toMatch(/mtu/i); // the kernel's message
    expect(await ipLink(p.ns, 'tapbig')).toBeUndefined();

    const noNs = await drive('read', '/run/netns/ut-no-such-namespace');
    expect(noNs.error).toMatchObject({
      errno: 'ENOENT',
      operation: 'nsenter --net=/run/netns/ut-no-such-namespace',
    });
  });

  test('a kernel that does not answer in time gives a NetError with timedOut', async ({ pod }) => {
    const p = await pod();
    const started = Date.now();
    const answer = await drive('timeout', p.netns, '300');
    expect(answer.error).toMatchObject({
      timedOut: true,
      operation: 'ip link set dev lo up',
      netns: p.netns,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  test('create-tap is atomic: killed before TUNSETPERSIST, it leaves no tap', async ({ pod }) => {
    const p = await pod();
    const [tap] = addChanges(p) as [Change];
    for (const step of ['created', 'configured'] as const) {
      const driver = startDriver('stop-tap', p.netns, JSON.stringify(tap), step);
      expect(await driver.next()).toEqual({ stopped: step });
      const held = await ipLink(p.ns, TAP);
      // It exists, held by the driver's fd only (not persistent), with its alias once configured.
      expect(held?.linkinfo.info_data.persist).toBe(false);
      expect(held?.ifalias).toBe(step === 'configured' ? 'urunc-tap test attachment' : undefined);
      await driver.kill();
      expect(await ipLink(p.ns, TAP)).toBeUndefined();
    }
    const driver = startDriver('stop-tap', p.netns, JSON.stringify(tap), 'persistent');
    expect(await driver.next()).toEqual({ stopped: 'persistent' });
    await driver.kill();
    const kept = await ipLink(p.ns, TAP);
    expect(kept?.linkinfo.info_data.persist).toBe(true);
    expect(kept?.ifalias).toBe('urunc-tap test attachment');
  });

  test('probe: every step passes, and its namespace is gone with its fds or its process', async () => {
    expect(await drive('requirements')).toEqual([
      { name: 'netlink', ok: true, detail: 'opened a NETLINK_ROUTE socket' },
    ]);
    expect(await drive('probe')).toEqual({ ok: true });

    const fds = await drive('probe-fds');
    expect(fds.failure).toBeUndefined();
    expect(fds.probe).toMatch(/^net:\[\d+\]$/);
    expect(fds.heldAfter).not.toContain(fds.probe); // released once probe() returned
    expect(references(fds.probe)).toEqual({ pids: [], named: [], mounted: false });

    // Killed in the middle (after the redirect, before cleaning up): nothing keeps it.
    const driver = startDriver('stop-probe', 'mirred');
    const stopped = await driver.next();
    expect(stopped.probe).toHaveLength(1);
    expect(references(stopped.probe[0]).pids).toEqual([driver.pid]);
    await driver.kill();
    expect(references(stopped.probe[0])).toEqual({ pids: [], named: [], mounted: false });
  });

  test('the abstract-socket lock excludes and is excluded by a Node net.Server of the same name', async () => {
    const name = `urunc-tap/lock/netlink-test-${randomBytes(6).toString('hex')}`;
    // What /proc/net/unix shows for Node's binding: "@", the name, NULs as "@" up to 108 bytes.
    const nodeForm = `@${name}${'@'.repeat(107 - name.length)}`;
    const server = await listen(`\0${name}`);
    expect(unixSockets(name)).toEqual([nodeForm]);
    expect(await drive('hold-abstract', name)).toEqual({ bound: false });
    // Why the binder exists: Bun's own net module binds a different (unpadded) address.
    expect(await drive('bun-listen', name)).toEqual({ listening: true });
    await new Promise((resolve) => server.close(resolve));

    const holder = startDriver('hold-abstract', name);
    expect(await holder.next()).toEqual({ bound: true });
    expect(unixSockets(name)).toEqual([nodeForm]);
    await expect(listen(`\0${name}`)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await holder.release();
    const again = await listen(`\0${name}`);
    await new Promise((resolve) => again.close(resolve));
  });

  test('traffic: after the ADD list, frames from the node side reach a guest behind the tap and back', async ({
    pod,
  }) => {
    const p = await pod();
    const link = await ipLink(p.ns, p.ifname);
    await applyByNetlink(
      p.netns,
      addChanges(p, { owner: undefined, group: undefined, mtu: link!.mtu }),
    );
    await handPodIpToGuest(p);
    const guest = await startGuest(p.netns, TAP, POD_IP);
    try {
      expect(await answersPing(p.nodeNs, POD_IP)).toBe(true);
      expect(guest.echoes()).toBeGreaterThan(0);
    } finally {
      await guest.kill();
    }
  });
});

/**
 * What refers to the namespace of nsfs link `ns` ("net:[N]"): processes (by an fd or a thread),
 * a name under /run/netns, a bind mount. With none, the kernel frees it.
 */
function references(ns: string): { pids: number[]; named: string[]; mounted: boolean } {
  const inode = Number(/^net:\[(\d+)\]$/.exec(ns)![1]);
  const named = readdirSync('/run/netns').filter((name) => {
    try {
      return statSync(`/run/netns/${name}`).ino === inode;
    } catch {
      return false; // deleted meanwhile (other tests make pods too)
    }
  });
  const mounted = readFileSync('/proc/self/mountinfo', 'utf8').includes(ns);
  return { pids: holders(ns), named, mounted };
}

/** Pids whose fds or threads refer to the nsfs link `ns`. */
function holders(ns: string): number[] {
  const pids = new Set<number>();
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    const links: string[] = [];
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`))
        links.push(safeReadlink(`/proc/${pid}/fd/${fd}`));
      for (const task of readdirSync(`/proc/${pid}/task`))
        links.push(safeReadlink(`/proc/${pid}/task/${task}/ns/net`));
    } catch {
      continue; // gone meanwhile
    }
    if (links.includes(ns)) pids.add(Number(pid));
  }
  return [...pids];
}

function safeReadlink(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

/** The paths /proc/net/unix lists for sockets bound to abstract names containing `name`. */
function unixSockets(name: string): string[] {
  return readFileSync('/proc/net/unix', 'utf8')
    .split('\n')
    .map((line) => line.trim().split(/\s+/).slice(7).join(' '))
    .filter((path) => path.includes(name));
}

/** Node's net.Server on `path`, listening. */
function listen(path: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ path }, () => resolve(server));
  });
}
