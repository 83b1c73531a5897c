// The netlink codec under Node, no root: requests byte for byte against what iproute2 sends and
// against layouts derived from the kernel headers; captured kernel dumps decoded into the same
// model as iproute2's JSON of that state (fixtures/capture.ts made both).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/net/changes.js';
import { abstractLockBinder, nodeAbstractAddress } from '../../src/net/netlink/abstract-socket.js';
import type { LockBinder } from '../../src/plugin/attachment-lock.js';
import { createNetlinkBackend } from '../../src/net/netlink/backend.js';
import { controlName, cookieBytes } from '../../src/net/netlink/actions.js';
import {
  addMatchAllRequest,
  addRedirectRequest,
  deleteFilterRequest,
  deletePriorityRequest,
  getFiltersRequest,
  parseFilter,
} from '../../src/net/netlink/filter.js';
import {
  deleteLinkRequest,
  getLinkRequest,
  getLinksRequest,
  parseLink,
  parseMac,
  setLinkRequest,
} from '../../src/net/netlink/link.js';
import { protocolName } from '../../src/net/netlink/protocols.js';
import { render, shellCommands } from '../../src/net/netlink/shell.js';
import {
  addIngressQdiscRequest,
  deleteIngressQdiscRequest,
  getQdiscsRequest,
  parseQdisc,
  sizeTable,
} from '../../src/net/netlink/tc.js';
import { tapFlags, tunIfreq } from '../../src/net/netlink/tun.js';
import {
  attributeMap,
  Encoder,
  encodeRequest,
  parseError,
  parseDone,
  parseMessages,
  NLM_F_ACK_TLVS,
  NLMSG_DONE,
} from '../../src/net/netlink/wire.js';
import { filtersFromIproute, ingressQdiscsFromIproute, linksFromIproute } from './iproute-model.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const requests: {
  ifindex: Record<string, number>;
  requests: Array<{ command: string[]; hex: string[] }>;
} = fixture('requests.json');
const dumps = fixture('dumps.json');

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const unhex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));
/** What iproute2 sent for `command` (one request). */
const sent = (...command: string[]) => {
  const found = requests.requests.find((entry) => entry.command.join(' ') === command.join(' '));
  if (!found) throw new Error(`no capture of ${command.join(' ')}`);
  expect(found.hex).toHaveLength(1);
  return found.hex[0]!;
};

describe('requests are what iproute2 6.1 sends (strace captures, nlmsg_seq zeroed)', () => {
  const { eth0, tap0_urunc: tap } = requests.ifindex as { eth0: number; tap0_urunc: number };

  it('ip link set dev NAME mtu M address MAC alias A up', () => {
    const changes = { mtu: 1400, mac: '02:00:00:00:01:03', alias: 'urunc-tap fixture', up: true };
    expect(hex(setLinkRequest({ index: tap }, changes))).toBe(
      sent(
        ...'ip link set dev tap0_urunc mtu 1400 address 02:00:00:00:01:03 alias'.split(' '),
        'urunc-tap fixture',
        'up',
      ),
    );
  });

  it('tc qdisc add dev DEV handle ffff: stab mpu MARK ingress (a table like tc builds)', () => {
    expect(hex(addIngressQdiscRequest(eth0, 4242))).toBe(
      sent(...'tc qdisc add dev eth0 handle ffff: stab mpu 4242 ingress'.split(' ')),
    );
    // mpu above 65535: the table's entries no longer fit a u16 and tc raises size_log.
    expect(hex(addIngressQdiscRequest(tap, 70000))).toBe(
      sent(...'tc qdisc add dev tap0_urunc handle ffff: stab mpu 70000 ingress'.split(' ')),
    );
  });

  it('tc filter add ... u32 match u32 0 0 action mirred egress redirect dev T cookie C', () => {
    const command = (dev: string, target: string, cookie: string) =>
      `tc filter add dev ${dev} ingress pref 49152 protocol all u32 match u32 0 0 action mirred egress redirect dev ${target} cookie ${cookie}`.split(
        ' ',
      );
    const long = '75727563000000000000000000000001';
    expect(hex(addRedirectRequest(eth0, 49152, tap, long))).toBe(
      sent(...command('eth0', 'tap0_urunc', long)),
    );
    expect(hex(addRedirectRequest(tap, 49152, eth0, '7572756300000002'))).toBe(
      sent(...command('tap0_urunc', 'eth0', '7572756300000002')),
    );
  });

  it('tc filter del ... pref P handle H u32, and ... pref P u32', () => {
    expect(hex(deleteFilterRequest(eth0, 49152, 'u32', 0x80000800))).toBe(
      sent(...'tc filter del dev eth0 ingress pref 49152 handle 800::800 u32'.split(' ')),
    );
    expect(hex(deletePriorityRequest(tap, 49152, 'u32'))).toBe(
      sent(...'tc filter del dev tap0_urunc ingress pref 49152 u32'.split(' ')),
    );
  });

  it('tc qdisc del dev DEV ingress; ip link del dev NAME', () => {
    expect(hex(deleteIngressQdiscRequest(tap))).toBe(
      sent(...'tc qdisc del dev tap0_urunc ingress'.split(' ')),
    );
    expect(hex(deleteLinkRequest({ index: tap }))).toBe(
      sent(...'ip link del dev tap0_urunc'.split(' ')),
    );
  });
});

describe('layouts derived from the kernel headers', () => {
  it('struct nlmsghdr + struct ifinfomsg + IFLA_EXT_MASK: the link dump', () => {
    // nlmsg_len 40, RTM_GETLINK 18, NLM_F_REQUEST|NLM_F_DUMP 0x301, seq 0, pid 0;
    // ifinfomsg all zero (16 bytes); nlattr len 8 type IFLA_EXT_MASK 29, RTEXT_FILTER_SKIP_STATS 8.
    expect(hex(getLinksRequest())).toBe(
      '28000000' +
        '1200' +
        '0103' +
        '00000000' +
        '00000000' +
        '00'.repeat(16) +
        '08001d00' +
        '08000000',
    );
  });

  it('a link by name: IFLA_IFNAME is NUL-terminated and padded to 4 bytes', () => {
    const bytes = getLinkRequest('eth0');
    expect(hex(bytes.subarray(32))).toBe(
      '08001d00' + '08000000' + '09000300' + '6574683000' + '000000',
    );
    expect(new DataView(bytes.buffer).getUint16(6, true)).toBe(0x1); // NLM_F_REQUEST only
  });

  it('set-link by name: ifi_index 0, IFF_UP in ifi_flags and ifi_change, IFLA_IFNAME first', () => {
    const bytes = setLinkRequest({ name: 'tap0' }, { mtu: 1500, up: true });
    const view = new DataView(bytes.buffer);
    expect(view.getUint16(4, true)).toBe(16); // RTM_NEWLINK
    expect(view.getUint16(6, true)).toBe(0x5); // NLM_F_REQUEST | NLM_F_ACK, no NLM_F_CREATE
    expect([view.getInt32(20, true), view.getUint32(24, true), view.getUint32(28, true)]).toEqual([
      0, 1, 1,
    ]);
    expect(hex(bytes.subarray(32))).toBe(
      '09000300' + '7461703000' + '000000' + '08000400' + 'dc050000',
    );
  });

  it('struct tcmsg of the dumps: all devices for qdiscs, parent ffff:fff2 for ingress filters', () => {
    expect(hex(getQdiscsRequest().subarray(16))).toBe('00'.repeat(20));
    expect(hex(getFiltersRequest(7).subarray(16))).toBe(
      '00000000' + '07000000' + '00000000' + 'f2ffffff' + '00000000',
    );
  });

  it('a u32 match-all without action: TCA_OPTIONS holds only the selector', () => {
    const bytes = addMatchAllRequest(3, 1);
    const options = attributeMap(bytes.subarray(36)).get(2)!;
    const sel = attributeMap(options);
    expect([...sel.keys()]).toEqual([5]); // TCA_U32_SEL
    // tc_u32_sel: TC_U32_TERMINAL, offshift 0, nkeys 1, pad; 12 zero bytes; one zero key.
    expect(hex(sel.get(5)!)).toBe('01000100' + '00'.repeat(12) + '00'.repeat(16));
    // tcm_info: pref 1 << 16 | htons(ETH_P_ALL) = 0x00010300
    expect(new DataView(bytes.buffer).getUint32(32, true)).toBe(0x00010300);
  });

  it('attributes: 4-byte alignment, NLA_F_NESTED only where asked, nests measured on close', () => {
    const e = new Encoder();
    e.attrU8(1, 0xab)
      .nested(2, (n) => n.attrString(3, 'ab'))
      .attr(4, (n) => n.attrU32(5, 7));
    expect(hex(e.finish())).toBe(
      '05000100' +
        'ab000000' +
        '0c000280' +
        '07000300' +
        '61620000' +
        '0c000400' +
        '08000500' +
        '07000000',
    );
    expect(encodeRequest(99, 1, (w) => w.u8(1)).length).toBe(17); // nlmsg_len counts no tail pad
  });

  it('struct ifreq for TUNSETIFF: name NUL-padded to IFNAMSIZ, ifr_flags at 16, 40 bytes', () => {
    const flags = tapFlags({ vnetHdr: true, multiQueue: true });
    expect(flags).toBe(0x0002 | 0x1000 | 0x8000 | 0x4000 | 0x0100);
    const ifreq = tunIfreq('tap0_urunc', flags);
    expect(ifreq.length).toBe(40);
    expect(hex(ifreq.subarray(0, 18))).toBe(
      hex(Buffer.from('tap0_urunc')) + '00'.repeat(6) + '02d1',
    );
    expect(() => tunIfreq('a-name-of-16-chr', IFF_TAP_ONLY)).toThrow(/1 to 15 bytes/);
  });

  it('struct sockaddr_un as Node binds an abstract name: 108 bytes of sun_path, addrlen 110', () => {
    const address = nodeAbstractAddress('\0urunc-tap/lock/ab');
    expect(address.length).toBe(110);
    expect(hex(address.subarray(0, 2))).toBe('0100'); // AF_UNIX
    expect(Buffer.from(address.subarray(2, 20)).toString('latin1')).toBe('\0urunc-tap/lock/ab');
    expect(address.subarray(20).every((byte) => byte === 0)).toBe(true);
    expect(() => nodeAbstractAddress('/tmp/x')).toThrow(/abstract/);
    expect(() => nodeAbstractAddress('\0' + 'x'.repeat(108))).toThrow(/108/);
  });

  it("tc's size table for `stab mpu N` (tc_calc_size_table with mtu 2047, tsize 512)", () => {
    const small = sizeTable(1234);
    expect([small.cellLog, small.sizeLog, small.cellAlign, small.mtu, small.data.length]).toEqual([
      2, 0, -1, 2047, 512,
    ]);
    expect([small.data[0], small.data[307], small.data[308], small.data[511]]).toEqual([
      1234, 1234, 1236, 2048,
    ]);
    const big = sizeTable(70000);
    expect([big.sizeLog, big.data[0], big.data[511]]).toEqual([1, 35000, 35000]);
  });

  it('cookies are 1 to 16 bytes of hex, MACs six octets', () => {
    expect(hex(cookieBytes('00ff'))).toBe('00ff');
    expect(() => cookieBytes('0')).toThrow();
    expect(() => cookieBytes('00'.repeat(17))).toThrow();
    expect(hex(parseMac('02:AB:00:00:00:01'))).toBe('02ab00000001');
    expect(() => parseMac('02:ab:00:00:01')).toThrow();
  });
});

const IFF_TAP_ONLY = 0x0002;

describe('names as iproute2 prints them', () => {
  it('TC_ACT_* verdicts (action_n2a)', () => {
    expect([-1, 0, 1, 2, 3, 4, 8].map(controlName)).toEqual([
      'continue',
      'pass',
      'reclassify',
      'drop',
      'pipe',
      'stolen',
      'trap',
    ]);
    expect(controlName(0x20000000 | 5)).toBe('goto'); // TC_ACT_GOTO_CHAIN | chain 5
    expect(controlName(0x10000000 | 2)).toBe('jump');
    expect(controlName(6)).toBe('6'); // TC_ACT_REPEAT has no name
  });

  it('ethernet protocols (ll_proto_n2a)', () => {
    expect([0x0003, 0x0800, 0x86dd, 0x8100, 0x88a8, 0x88cc, 0x1234].map(protocolName)).toEqual([
      'all',
      'ip',
      'ipv6',
      '802.1Q',
      '802.1ad',
      'LLDP',
      '[4660]',
    ]);
  });
});

describe('captured kernel dumps decode into the model iproute2 shows', () => {
  const messages = (list: string[]) => list.flatMap((text) => parseMessages(unhex(text)));
  const links = messages(dumps.links).map(parseLink);
  const names = new Map(links.map((link) => [link!.index, link!.name]));

  it('links: names, kinds, mtu, mac, flags, alias, tun settings with owner and group', () => {
    expect(links).toEqual(linksFromIproute(dumps.iproute2.links));
    const tap = links.find((link) => link?.name === 'tap0_urunc');
    expect(tap?.tun).toEqual({
      type: 'tap',
      vnetHdr: true,
      multiQueue: true,
      persist: true,
      owner: 4000,
      group: 4001,
    });
    expect(links.find((link) => link?.name === 'lo')?.kind).toBeUndefined();
  });

  it('qdiscs: ingress with its stab mpu, clsact without', () => {
    const hooks = new Map(
      messages(dumps.qdiscs)
        .map(parseQdisc)
        .filter((qdisc) => qdisc && qdisc.parent === 0xfffffff1)
        .map((qdisc) => [
          names.get(qdisc!.ifindex)!,
          { qdisc: qdisc!.kind, qdiscMark: qdisc!.mpu },
        ]),
    );
    expect(hooks).toEqual(ingressQdiscsFromIproute(dumps.iproute2.qdiscs));
    expect(hooks.get('tap0_urunc')?.qdiscMark).toBe(70000);
  });

  it('filters: rules only, u32 match-all or not, mirred targets (gone: "*"), cookies, verdicts', () => {
    for (const dev of ['eth0', 'veth1', 'tap0_urunc']) {
      const decoded = messages(dumps.filters[dev]).map((message) => parseFilter(message, names));
      // The kernel sends a header per priority and u32 hash tables: not rules.
      expect(decoded.filter((filter) => filter === undefined).length).toBeGreaterThan(0);
      expect(decoded.filter((filter) => filter !== undefined)).toEqual(
        filtersFromIproute(dumps.iproute2.filters[dev]),
      );
    }
    const veth1 = messages(dumps.filters.veth1).map((message) => parseFilter(message, names));
    expect(veth1.filter(Boolean).map((filter) => [filter!.protocol, filter!.matchesAll])).toEqual([
      ['ip', false],
      ['all', true],
    ]);
    expect(veth1.find((filter) => filter?.pref === 200)?.actions[0]).toMatchObject({
      mirredAction: 'mirror',
      toDev: '*',
      control: 'pipe',
      cookie: 'aa',
    });
  });

  it('an NLMSG_ERROR with extended ack: errno, the kernel message, the request it answers', () => {
    const [message] = parseMessages(unhex(dumps.existsError));
    expect(message!.flags & NLM_F_ACK_TLVS).toBeTruthy();
    expect(parseError(message!)).toEqual({
      errno: 17,
      message: 'Exclusivity flag on, cannot modify',
      seq: 7,
    });
  });

  it('NLMSG_DONE: a dump result of 0, and several messages per datagram', () => {
    const done = new Encoder().u32(20).u16(NLMSG_DONE).u16(2).u32(5).u32(0).i32(0).finish();
    const twice = new Uint8Array([...done, ...done]);
    const parsed = parseMessages(twice);
    expect(parsed).toHaveLength(2);
    expect(parseDone(parsed[1]!)).toEqual({ errno: 0, message: undefined, seq: 5 });
  });
});

describe('the lock binder', () => {
  it('is a LockBinder of src/plugin/attachment-lock.ts', () => {
    const binder: LockBinder = abstractLockBinder;
    expect(typeof binder).toBe('function');
  });
});

describe('under Node (no bun:ffi)', () => {
  it('the backend imports, and says what it needs instead of failing oddly', async () => {
    const backend = createNetlinkBackend({ timeoutMs: 100 });
    const [requirement] = backend.requirements();
    expect(requirement).toMatchObject({ name: 'netlink', ok: false });
    expect(requirement!.detail).toMatch(/bun:ffi/);
    await expect(backend.read('/run/netns/x')).rejects.toMatchObject({
      name: 'NetError',
      operation: 'nsenter --net=/run/netns/x',
      detail: expect.stringMatching(/bun:ffi/),
    });
  });
});

describe('shell equivalents (the operation of a NetError)', () => {
  const tap: Change = {
    op: 'create-tap',
    name: 'tap0_urunc',
    staging: 'utap-codec',
    owner: 0,
    group: 100,
    vnetHdr: true,
    multiQueue: false,
    mtu: 1500,
    mac: '02:00:00:00:00:01',
    alias: "urunc-tap it's",
  };
  it.each<[Change, string[]]>([
    [
      tap,
      [
        'ip tuntap add dev tap0_urunc mode tap user 0 group 100 vnet_hdr',
        `ip link set dev tap0_urunc mtu 1500 address 02:00:00:00:00:01 alias 'urunc-tap it'\\''s' up`,
      ],
    ],
    [{ op: 'set-link', name: 't', mtu: 9000 }, ['ip link set dev t mtu 9000 up']],
    [{ op: 'delete-link', name: 't' }, ['ip link del dev t']],
    [
      { op: 'add-ingress-qdisc', dev: 'eth0', mark: 7 },
      ['tc qdisc add dev eth0 handle ffff: stab mpu 7 ingress'],
    ],
    [{ op: 'delete-ingress-qdisc', dev: 'eth0' }, ['tc qdisc del dev eth0 ingress']],
    [
      { op: 'add-redirect', dev: 'eth0', pref: 49152, target: 't', cookie: 'ab' },
      [
        'tc filter add dev eth0 ingress pref 49152 protocol all u32 match u32 0 0 action mirred egress redirect dev t cookie ab',
      ],
    ],
    [
      { op: 'delete-filter', dev: 'eth0', pref: 5, kind: 'u32', handle: 0x80000800 },
      ['tc filter del dev eth0 ingress pref 5 handle 800::800 u32'],
    ],
    [
      { op: 'delete-priority', dev: 'eth0', pref: 5, kind: 'u32' },
      ['tc filter del dev eth0 ingress pref 5 u32'],
    ],
  ])('%j', (change, commands) => {
    expect(shellCommands(change)).toEqual(commands);
  });

  it('quotes only what a shell would split or expand', () => {
    expect(render(['a', 'b c', '$x', '', 'ffff:'])).toBe("a 'b c' '$x' '' ffff:");
  });
});
