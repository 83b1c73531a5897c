// GC's choices on a fake host: which attachments are stale, that they go exactly as DEL would
// (same planner, same lock), and what it never touches.
import { describe, expect, it } from 'vitest';
import type { GcRequest } from '../../src/cni/plugin-api.js';
import { NetError } from '../../src/net/errors.js';
import { collectGarbage, SCAN_TIMEOUT_MS } from '../../src/plugin/gc.js';
import { lockName, tapAlias, type Attachment } from '../../src/plugin/marks.js';
import { fakeHost } from './fake-platform.js';
import { attachment, hook, ourRedirect, podIf, snapshot, tap } from './state.js';

// Paths that lead nowhere on this host, so every removal finds its tap by the host-wide search;
// 4194305 is above the kernel's PID_MAX_LIMIT.
const NS = '/run/netns/urunc-tap-unit-gc';
const PROC = '/proc/4194305/ns/net';

const owner = (network: string, containerId: string, ifname = 'eth0'): Attachment => ({
  ...attachment,
  network,
  containerId,
  ifname,
});

/** A namespace holding `id`'s wiring, with its tap named `tapName`. */
const wiredFor = (id: Attachment, tapName = 'tap0_urunc', netns = NS) =>
  snapshot(
    [podIf({ name: id.ifname }), tap({ name: tapName, alias: tapAlias(id) })],
    [
      [id.ifname, hook([ourRedirect(tapName, { owner: id })])],
      [tapName, hook([ourRedirect(id.ifname, { owner: id })])],
    ],
    netns,
  );

const HOST = {
  [`${NS}-valid`]: wiredFor(owner('net1', 'ctr-valid')),
  [`${NS}-stale`]: wiredFor(owner('net1', 'ctr-stale'), 'tap7'),
  [`${NS}-other-net`]: wiredFor(owner('net2', 'ctr-stale')),
  [`${NS}-foreign`]: snapshot([
    podIf(),
    tap({ name: 'tap0', alias: 'somebody else' }),
    tap({ name: 'tap1', alias: undefined }),
    podIf({ name: 'veth9', alias: tapAlias(owner('net1', 'x')) }),
  ]),
  [PROC]: wiredFor(owner('net1', 'ctr-proc', 'net1')),
  [`${NS}-digest`]: snapshot([podIf(), tap({ alias: `urunc-tap:sha256:${'a'.repeat(64)}` })]),
};

const request = (valid: Array<{ containerId: string; ifname: string }>): GcRequest => ({
  version: '1.1.0',
  config: { cniVersion: '1.1.0', name: 'net1', type: 'urunc-tap', 'cni.dev/valid-attachments': [] },
  validAttachments: valid,
});

function run(valid: Array<{ containerId: string; ifname: string }>, failIn?: string) {
  const host = fakeHost(HOST, {
    alsoListed: ['/proc/4194306/ns/net'],
    failApply: (netns) =>
      netns === failIn
        ? new NetError({ operation: 'tc -batch -', netns, errno: 'EPERM', detail: 'refused' })
        : undefined,
  });
  const messages: string[] = [];
  const done = collectGarbage(
    host.platform,
    (message) => void messages.push(message),
    request(valid),
  );
  return { host, messages, done };
}

describe('collectGarbage', () => {
  it("removes this network's attachments not listed, as DEL would, and only those", async () => {
    const { host, messages, done } = run([{ containerId: 'ctr-valid', ifname: 'eth0' }]);
    await done;
    expect(host.applied).toEqual([
      [
        `${NS}-stale`,
        [
          { op: 'delete-ingress-qdisc', dev: 'eth0' },
          { op: 'delete-link', name: 'tap7' },
        ],
      ],
      [
        PROC,
        [
          { op: 'delete-ingress-qdisc', dev: 'net1' },
          { op: 'delete-link', name: 'tap0_urunc' },
        ],
      ],
    ]);
    expect(host.namespaces.get(`${NS}-stale`)!.links.map((link) => link.name)).toEqual(['eth0']);
    expect(host.namespaces.get(`${NS}-valid`)).toEqual(HOST[`${NS}-valid`]);
    expect(host.namespaces.get(`${NS}-other-net`)).toEqual(HOST[`${NS}-other-net`]);
    expect(host.namespaces.get(`${NS}-foreign`)).toEqual(HOST[`${NS}-foreign`]);
    expect(messages.at(-1)).toBe('searched 7 namespaces: removed 2 of 2 stale attachments of net1');
  });

  it("takes each attachment's lock, and reads the host with the long scan timeout", async () => {
    const { host, done } = run([]);
    await done;
    expect(host.locks).toEqual([
      lockName(owner('net1', 'ctr-valid')),
      lockName(owner('net1', 'ctr-stale')),
      lockName(owner('net1', 'ctr-proc', 'net1')),
    ]);
    expect(host.timeouts[0]).toBe(SCAN_TIMEOUT_MS);
    expect(new Set(host.timeouts.slice(1))).toEqual(new Set([30_000]));
  });

  it('logs each removal with the attachment and where its tap was', async () => {
    const { messages, done } = run([{ containerId: 'ctr-valid', ifname: 'eth0' }]);
    await done;
    expect(messages).toContain(
      `ctr-stale/eth0 in ${NS}-stale: stale attachment (tap tap7), removing it as DEL would`,
    );
    expect(messages).toContain(`ctr-stale/eth0 in ${NS}-stale: deleted tap7`);
  });

  it('keeps a digest-alias tap it cannot attribute, and says how to remove it', async () => {
    const { host, messages, done } = run([]);
    await done;
    expect(messages).toContain(
      `kept tap tap0_urunc in ${NS}-digest: its alias is a digest, so its network is unknown; remove it with \`urunc-tap cleanup --netns ${NS}-digest --tap tap0_urunc\` if it is stale`,
    );
    expect(host.applied.map(([netns]) => netns)).not.toContain(`${NS}-digest`);
  });

  it('keeps a digest-alias tap of a valid attachment without a word', async () => {
    const long = owner('net1', 'c'.repeat(250));
    const alias = tapAlias(long);
    expect(alias).toMatch(/^urunc-tap:sha256:/);
    const host = fakeHost({ [NS]: snapshot([podIf(), tap({ alias })]) });
    const messages: string[] = [];
    await collectGarbage(host.platform, (m) => void messages.push(m), {
      ...request([{ containerId: long.containerId, ifname: 'eth0' }]),
    });
    expect(messages).toEqual(['searched 1 namespaces: removed 0 of 0 stale attachments of net1']);
    expect(host.applied).toEqual([]);
  });

  it('goes on after a failed removal, then reports every failure', async () => {
    const { host, done } = run([], `${NS}-stale`);
    const error = await done.catch((e: unknown) => e);
    expect(host.applied.map(([netns]) => netns)).toEqual([`${NS}-valid`, PROC]);
    expect(error).toMatchObject({ code: 100 });
    expect((error as Error).message).toBe(
      `GC met 1 failures (removed 2 of 3 stale attachments): removing the tap wiring: \`tc -batch -\` in ${NS}-stale failed (EPERM): refused`,
    );
  });

  it('is a no-op on a host with nothing of this network', async () => {
    const host = fakeHost({ [NS]: snapshot([podIf()]) });
    const messages: string[] = [];
    await collectGarbage(host.platform, (m) => void messages.push(m), request([]));
    expect(host.applied).toEqual([]);
    expect(host.locks).toEqual([]);
    expect(messages).toEqual(['searched 1 namespaces: removed 0 of 0 stale attachments of net1']);
  });

  it('refuses a config it cannot parse before reading anything (code 7)', async () => {
    const host = fakeHost(HOST);
    await expect(
      collectGarbage(host.platform, () => {}, {
        ...request([]),
        config: { cniVersion: '1.1.0', name: 'bad name', type: 'urunc-tap' },
      }),
    ).rejects.toMatchObject({ code: 7 });
    expect(host.timeouts).toEqual([]);
  });
});
