// GC's choices with scripted namespaces: which attachments are stale, and what it never touches.
import { describe, expect, it } from 'vitest';
import type { VerbRequest } from '../../src/cni/dispatch.js';
import { CniError } from '../../src/cni/errors.js';
import type { Runner } from '../../src/net/exec.js';
import { tapAlias } from '../../src/plugin/attachment.js';
import { collectGarbage } from '../../src/plugin/gc.js';

const tun = { type: 'tap', pi: false, vnet_hdr: true, multi_queue: false, persist: true };
const link = (ifname: string, alias?: string, kind = 'tun') => ({
  ifname,
  ifindex: 1,
  mtu: 1500,
  address: '02:00:00:00:00:01',
  flags: ['UP'],
  ...(alias ? { ifalias: alias } : {}),
  linkinfo: { info_kind: kind, ...(kind === 'tun' ? { info_data: tun } : {}) },
});
const alias = (network: string, containerId: string, ifname = 'eth0') =>
  tapAlias({ network, containerId, ifname, netns: '', tapName: '' });

/** Namespaces and what `ip -json -details link show` prints in each. */
const HOST: Record<string, unknown[]> = {
  '/run/netns/valid': [
    link('eth0', undefined, 'veth'),
    link('tap0_urunc', alias('net1', 'ctr-valid')),
  ],
  '/run/netns/stale': [link('eth0', undefined, 'veth'), link('tap7', alias('net1', 'ctr-stale'))],
  '/run/netns/other-net': [link('tap0_urunc', alias('net2', 'ctr-stale'))],
  '/run/netns/foreign': [
    link('tap0', 'somebody else'),
    link('tap1'),
    link('veth9', alias('net1', 'x'), 'veth'),
  ],
  '/proc/42/ns/net': [link('tap0_urunc', alias('net1', 'ctr-proc', 'net1'))],
  '/run/netns/digest': [link('tap0_urunc', `urunc-tap:sha256:${'a'.repeat(64)}`)],
};

function host(failDel = new Set<string>()) {
  const run: Runner = async (command) => {
    const links = HOST[command.netns];
    if (!links) throw new Error(`no namespace ${command.netns}`);
    return JSON.stringify(links);
  };
  const deleted: VerbRequest[] = [];
  const messages: string[] = [];
  const deps = {
    run,
    log: (message: string) => void messages.push(message),
    namespaces: () => [...Object.keys(HOST), '/proc/43/ns/net'],
    del: async (request: VerbRequest) => {
      if (failDel.has(request.env.containerId))
        throw new CniError(100, `tc failed for ${request.env.containerId}`);
      deleted.push(request);
    },
  };
  return { deps, deleted, messages };
}

const request = (valid: Array<{ containerId: string; ifname: string }>) => ({
  version: '1.1.0' as const,
  config: { cniVersion: '1.1.0', name: 'net1', type: 'urunc-tap', 'cni.dev/valid-attachments': [] },
  path: ['/opt/cni/bin'],
  validAttachments: valid,
});

describe('collectGarbage', () => {
  it("runs DEL for this network's attachments not listed, and only those", async () => {
    const { deps, deleted, messages } = host();
    await collectGarbage(deps, request([{ containerId: 'ctr-valid', ifname: 'eth0' }]));
    expect(
      deleted.map((r) => [r.env.containerId, r.env.ifname, r.env.netns, r.config.tapName]),
    ).toEqual([
      ['ctr-stale', 'eth0', '/run/netns/stale', 'tap7'],
      ['ctr-proc', 'net1', '/proc/42/ns/net', 'tap0_urunc'],
    ]);
    expect(deleted[0]).toMatchObject({
      version: '1.1.0',
      env: { command: 'DEL', path: ['/opt/cni/bin'] },
    });
    expect(messages.at(-1)).toBe('searched 7 namespaces: removed 2 of 2 stale attachments of net1');
  });

  it('keeps a digest-alias tap it cannot attribute, and says how to remove it', async () => {
    const { deps, messages } = host();
    await collectGarbage(deps, request([]));
    expect(messages.join('\n')).toContain(
      'kept tap tap0_urunc in /run/netns/digest: its alias is a digest, so its network is unknown',
    );
  });

  it('goes on after a failed DEL, then reports every failure', async () => {
    const { deps, deleted } = host(new Set(['ctr-stale']));
    const error = await collectGarbage(deps, request([])).catch((e: CniError) => e);
    expect(deleted.map((r) => r.env.containerId)).toEqual(['ctr-valid', 'ctr-proc']);
    expect(error).toMatchObject({ code: 100 });
    expect((error as CniError).message).toBe(
      'GC met 1 failures (removed 2 of 3 stale attachments): tc failed for ctr-stale',
    );
  });
});

describe('showLinksOfNamedNamespaces', () => {
  it('reads every named namespace with one ip process, and GC reads only the others alone', async () => {
    const calls: string[] = [];
    const { deps, deleted } = host();
    const run: Runner = async (command) => {
      calls.push(command.netns);
      if (command.args[0] === '-all') {
        // As iproute2 prints it: a header per namespace, then the command's own output.
        const stale = JSON.stringify(HOST['/run/netns/stale']);
        return `\nnetns: stale\n${stale}\n\nnetns: gone\n\nnetns: valid\n[{"ifname": "tr`;
      }
      return deps.run(command);
    };
    await collectGarbage({ ...deps, run }, request([]));
    expect(calls.filter((netns) => netns === '/run/netns/stale')).toEqual([]);
    // Cut short or missing from the bulk read: read on its own.
    expect(calls).toContain('/run/netns/valid');
    expect(deleted.map((r) => r.env.netns)).toContain('/run/netns/stale');
  });
});
