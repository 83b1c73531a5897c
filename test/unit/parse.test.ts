// Parsing iproute2's JSON into the namespace model, on output captured from iproute2 6.1 on
// kernel 6.18 (`ip -json -details link show`, `tc -json -details qdisc show`,
// `tc -json -details filter show dev lo ingress`).
import { describe, expect, it } from 'vitest';
import { formatHandle, parseHandle } from '../../src/net/model.js';
import { parseFilters, parseIngressQdiscs, parseLinks } from '../../src/net/iproute2/parse.js';
import { QDISC_MARK } from '../../src/plugin/marks.js';

const LINKS = JSON.stringify([
  { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK'], mtu: 65536, address: '00:00:00:00:00:00' },
  {
    ifindex: 2,
    ifname: 't0',
    flags: ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP'],
    mtu: 1400,
    qdisc: 'pfifo_fast',
    operstate: 'DOWN',
    group: 'default',
    address: '02:00:00:00:00:01',
    linkinfo: {
      info_kind: 'tun',
      info_data: {
        type: 'tap',
        pi: false,
        vnet_hdr: true,
        multi_queue: false,
        persist: true,
        // iproute2 prints a known uid as its name, an unknown gid as a number.
        user: 'root',
        group: 4242,
      },
    },
    ifalias: 'urunc-tap:n:eth0:c',
  },
  {
    ifindex: 3,
    ifname: 'eth0',
    flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
    mtu: 1500,
    address: '0a:58:0a:f4:00:05',
    linkinfo: { info_kind: 'veth' },
  },
  {
    ifindex: 4,
    ifname: 'tun0',
    flags: ['POINTOPOINT', 'UP', 'LOWER_UP'],
    mtu: 1500,
    linkinfo: {
      info_kind: 'tun',
      info_data: { type: 'tun', multi_queue: true, persist: false, user: 'nosuchuser-x' },
    },
  },
]);

/** A qdisc dump with our marked ingress qdisc on lo (`stab mpu 1970561392`) and a clsact. */
const QDISCS = JSON.stringify([
  { kind: 'noqueue', handle: '0:', dev: 'lo', root: true, refcnt: 2, options: {} },
  {
    kind: 'ingress',
    handle: 'ffff:',
    dev: 'lo',
    parent: 'ffff:fff1',
    options: {},
    stab: { mpu: 1970561392, mtu: 2047, tsize: 512 },
  },
  { kind: 'clsact', handle: 'ffff:', dev: 'eth0', parent: 'ffff:fff1', options: {} },
  { kind: 'ingress', handle: 'ffff:', dev: 'eth1', parent: 'ffff:fff1', options: {} },
  { kind: 'fq_codel', handle: '0:', dev: 'eth2', root: true, options: {} },
]);

/**
 * A filter dump as tc prints it, verbatim: a priority header, a u32 hash table, then the rule.
 * The pref 5 rule has two u32 keys, printed as two "match" members of one object.
 */
const FILTERS =
  '[{"protocol":"all","pref":5,"kind":"u32","chain":0},' +
  '{"protocol":"all","pref":5,"kind":"u32","chain":0,"options":{"fh":"800:","ht_divisor":1}},' +
  '{"protocol":"all","pref":5,"kind":"u32","chain":0,"options":{"fh":"800::800","order":2048,"key_ht":"800","bkt":"0","not_in_hw":true,' +
  '"match":{"value":"0","mask":"0","offmask":"","off":0},"match":{"value":"a000000","mask":"ff000000","offmask":"","off":16},' +
  '"actions":[{"order":1,"kind":"mirred","mirred_action":"redirect","direction":"egress","to_dev":"lo","control_action":{"type":"stolen"},"index":1,"ref":1,"bind":1,"cookie":"75"}]}},' +
  '{"protocol":"all","pref":65280,"kind":"u32","chain":0},' +
  '{"protocol":"all","pref":65280,"kind":"u32","chain":0,"options":{"fh":"801:","ht_divisor":1}},' +
  '{"protocol":"all","pref":65280,"kind":"u32","chain":0,"options":{"fh":"801::800","order":2048,"key_ht":"801","bkt":"0","not_in_hw":true,' +
  '"match":{"value":"0","mask":"0","offmask":"","off":0},' +
  '"actions":[{"order":1,"kind":"mirred","mirred_action":"redirect","direction":"egress","to_dev":"*","control_action":{"type":"stolen"},"index":2,"ref":1,"bind":1,"cookie":"7572756e632d746170aa"}]}},' +
  '{"protocol":"all","pref":1,"kind":"bpf","chain":0,"options":{"handle":"0x1","bpf_name":"cil_from_container","direct-action":true,"not_in_hw":true}},' +
  '{"protocol":"ip","pref":2,"kind":"matchall","chain":0,"options":{"handle":"0x2","not_in_hw":true,"actions":[{"order":1,"kind":"skbedit","control_action":{"type":"pipe"}}]}}]';

describe('parseLinks', () => {
  it('reads links, their flags, alias and tun details, owner and group as numbers', () => {
    const [lo, t0, eth0] = parseLinks(LINKS);
    expect(lo).toEqual({
      name: 'lo',
      index: 1,
      kind: undefined,
      mtu: 65536,
      mac: '00:00:00:00:00:00',
      up: false,
      carrier: false,
      alias: undefined,
      tun: undefined,
    });
    expect(t0).toEqual({
      name: 't0',
      index: 2,
      kind: 'tun',
      mtu: 1400,
      mac: '02:00:00:00:00:01',
      up: true,
      carrier: false,
      alias: 'urunc-tap:n:eth0:c',
      tun: {
        type: 'tap',
        vnetHdr: true,
        multiQueue: false,
        persist: true,
        owner: 0,
        group: 4242,
      },
    });
    expect(eth0).toMatchObject({ kind: 'veth', up: true, carrier: true, tun: undefined });
  });

  it('reads a tun device as tun, with no owner when the name is unknown', () => {
    const tun0 = parseLinks(LINKS)[3]!;
    expect(tun0.mac).toBe('');
    expect(tun0.tun).toEqual({
      type: 'tun',
      vnetHdr: false,
      multiQueue: true,
      persist: false,
      owner: undefined,
      group: undefined,
    });
  });

  it('refuses output that is not JSON', () => {
    expect(() => parseLinks('Cannot open netlink socket')).toThrow(SyntaxError);
    expect(parseLinks('{}')).toEqual([]);
  });
});

describe('parseIngressQdiscs', () => {
  it('finds ingress and clsact qdiscs per device, with the size-table mark', () => {
    expect(Object.fromEntries(parseIngressQdiscs(QDISCS))).toEqual({
      lo: { qdisc: 'ingress', qdiscMark: QDISC_MARK },
      eth0: { qdisc: 'clsact', qdiscMark: undefined },
      eth1: { qdisc: 'ingress', qdiscMark: undefined },
    });
    expect(QDISC_MARK).toBe(1970561392);
  });
});

describe('parseFilters', () => {
  it('keeps rules of any classifier, skipping priority headers and u32 hash tables', () => {
    expect(parseFilters(FILTERS)).toEqual([
      {
        pref: 5,
        protocol: 'all',
        kind: 'u32',
        handle: 0x80000800,
        matchesAll: false,
        actions: [
          {
            kind: 'mirred',
            mirredAction: 'redirect',
            direction: 'egress',
            toDev: 'lo',
            cookie: '75',
            control: 'stolen',
          },
        ],
      },
      {
        pref: 65280,
        protocol: 'all',
        kind: 'u32',
        handle: 0x80100800,
        matchesAll: true,
        actions: [
          {
            kind: 'mirred',
            mirredAction: 'redirect',
            direction: 'egress',
            toDev: '*',
            cookie: '7572756e632d746170aa',
            control: 'stolen',
          },
        ],
      },
      { pref: 1, protocol: 'all', kind: 'bpf', handle: 1, matchesAll: false, actions: [] },
      {
        pref: 2,
        protocol: 'ip',
        kind: 'matchall',
        handle: 2,
        matchesAll: true,
        actions: [
          {
            kind: 'skbedit',
            mirredAction: undefined,
            direction: undefined,
            toDev: undefined,
            cookie: undefined,
            control: 'pipe',
          },
        ],
      },
    ]);
  });

  it('reads every u32 key, not just the last one JSON.parse would keep', () => {
    // The same rule with its keys the other way round: still not a match-all.
    const swapped = FILTERS.replace(
      '"match":{"value":"0","mask":"0","offmask":"","off":0},"match":{"value":"a000000","mask":"ff000000","offmask":"","off":16}',
      '"match":{"value":"a000000","mask":"ff000000","offmask":"","off":16},"match":{"value":"0","mask":"0","offmask":"","off":0}',
    );
    expect(swapped).not.toBe(FILTERS);
    expect(parseFilters(swapped)[0]!.matchesAll).toBe(false);
  });

  it('is empty for a device without filters', () => {
    expect(parseFilters('[]')).toEqual([]);
  });
});

describe('u32 handles', () => {
  it.each([
    ['800::800', 0x80000800],
    ['801::800', 0x80100800],
    ['800:2:801', 0x80002801],
    ['::', 0],
  ])('%s is %i', (text, handle) => {
    expect(parseHandle(text)).toBe(handle);
    expect(formatHandle('u32', handle)).toBe(text);
  });

  it('prints other handles in hex and reads hex or decimal', () => {
    expect(formatHandle('bpf', 1)).toBe('0x1');
    expect(parseHandle('0x1f')).toBe(31);
    expect(parseHandle('12')).toBe(12);
    expect(parseHandle('nonsense')).toBeUndefined();
  });
});
