// Parsing iproute2's JSON, on output captured from iproute2 6.1 on kernel 6.18.
import { describe, expect, it } from 'vitest';
import { parseFilters, parseIngressQdiscs, parseLinks } from '../../src/net/parse.js';

const LINKS = JSON.stringify([
  { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK'], mtu: 65536, address: '00:00:00:00:00:00' },
  {
    ifindex: 3,
    ifname: 'tap0_urunc',
    flags: ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP'],
    mtu: 1500,
    address: '6e:17:30:79:77:5e',
    ifalias: 'urunc-tap:n:eth0:c',
    linkinfo: {
      info_kind: 'tun',
      info_data: {
        type: 'tap',
        pi: false,
        vnet_hdr: true,
        multi_queue: false,
        persist: true,
        user: 4242,
      },
    },
  },
]);

const FILTERS = JSON.stringify([
  { parent: 'ffff:', protocol: 'all', pref: 65280, kind: 'u32', chain: 0 },
  {
    parent: 'ffff:',
    protocol: 'all',
    pref: 65280,
    kind: 'u32',
    chain: 0,
    options: { fh: '800:', ht_divisor: 1 },
  },
  {
    parent: 'ffff:',
    protocol: 'all',
    pref: 65280,
    kind: 'u32',
    chain: 0,
    options: {
      fh: '800::800',
      order: 2048,
      key_ht: '800',
      bkt: '0',
      not_in_hw: true,
      match: { value: '0', mask: '0', offmask: '', off: 0 },
      actions: [
        {
          order: 1,
          kind: 'mirred',
          mirred_action: 'redirect',
          direction: 'egress',
          to_dev: '*',
          control_action: { type: 'stolen' },
          index: 1,
          ref: 1,
          bind: 1,
          cookie: '7572',
        },
      ],
    },
  },
  {
    protocol: 'all',
    pref: 1,
    kind: 'bpf',
    chain: 0,
    options: { handle: '0x1', bpf_name: 'cil_from_container', 'direct-action': true },
  },
]);

describe('parse', () => {
  it('reads links, their flags, alias and tun details', () => {
    const [lo, tap] = parseLinks(LINKS);
    expect(lo).toMatchObject({ name: 'lo', kind: undefined, tun: undefined, up: false });
    expect(tap).toEqual({
      name: 'tap0_urunc',
      index: 3,
      kind: 'tun',
      mtu: 1500,
      mac: '6e:17:30:79:77:5e',
      up: true,
      carrier: false,
      alias: 'urunc-tap:n:eth0:c',
      tun: {
        type: 'tap',
        vnetHdr: true,
        multiQueue: false,
        persist: true,
        user: '4242',
        group: undefined,
      },
    });
  });

  it('keeps rules of any classifier and skips headers and u32 hash tables', () => {
    const filters = parseFilters(FILTERS);
    expect(filters).toEqual([
      {
        pref: 65280,
        protocol: 'all',
        kind: 'u32',
        handle: '800::800',
        actions: [
          {
            kind: 'mirred',
            mirredAction: 'redirect',
            direction: 'egress',
            toDev: '*',
            cookie: '7572',
          },
        ],
      },
      { pref: 1, protocol: 'all', kind: 'bpf', handle: '0x1', actions: [] },
    ]);
  });

  it('finds ingress and clsact qdiscs per device', () => {
    const qdiscs = parseIngressQdiscs(
      JSON.stringify([
        { kind: 'noqueue', handle: '0:', dev: 'eth0', root: true },
        { kind: 'clsact', handle: 'ffff:', dev: 'eth0', parent: 'ffff:fff1' },
        { kind: 'ingress', handle: 'ffff:', dev: 'tap0_urunc', parent: 'ffff:fff1' },
      ]),
    );
    expect(Object.fromEntries(qdiscs)).toEqual({ eth0: 'clsact', tap0_urunc: 'ingress' });
  });
});
