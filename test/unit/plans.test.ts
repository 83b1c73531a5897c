// The planners, on hand-built snapshots: what ADD, DEL, rollback and CHECK decide.
import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/net/changes.js';
import { parseConfig } from '../../src/plugin/config.js';
import {
  QDISC_MARK,
  redirectCookie,
  REDIRECT_PREF,
  stagingTapName,
  tapAlias,
  tapMac,
} from '../../src/plugin/marks.js';
import { checkProblems } from '../../src/plugin/plan-check.js';
import { planAdd } from '../../src/plugin/plan-add.js';
import { planDel, planRollback, removeFilters } from '../../src/plugin/plan-del.js';
import {
  attachment,
  bare,
  foreignFilter,
  foreignHook,
  foreignRedirect,
  hook,
  ourRedirect,
  podIf,
  snapshot,
  tap,
  wired,
  withLink,
} from './state.js';

const config = parseConfig({ cniVersion: '1.0.0', name: 'net1', type: 'urunc-tap' });
const ops = (list: Change[]) =>
  list.map((change) =>
    [
      change.op,
      'dev' in change ? change.dev : change.name,
      ...('target' in change ? [change.target] : []),
    ].join(' '),
  );
/** A foreign match-all on every protocol, ending classification (gact-less u32: TC_ACT_OK). */
const foreignMatchAll = (pref: number, control?: string) =>
  foreignFilter(pref, {
    protocol: 'all',
    matchesAll: true,
    actions: control
      ? [
          {
            kind: 'skbedit',
            mirredAction: undefined,
            direction: undefined,
            toDev: undefined,
            cookie: undefined,
            control,
          },
        ]
      : [],
  });

describe('planAdd', () => {
  it('wires a bare pod: tap, then a marked hook and a redirect on each side', () => {
    const plan = planAdd(bare(), attachment, config);
    expect(ops(plan.changes)).toEqual([
      'create-tap tap0_urunc',
      'add-ingress-qdisc eth0',
      'add-redirect eth0 tap0_urunc',
      'add-ingress-qdisc tap0_urunc',
      'add-redirect tap0_urunc eth0',
    ]);
    expect(plan.changes[0]).toEqual({
      op: 'create-tap',
      name: 'tap0_urunc',
      staging: stagingTapName(attachment),
      owner: undefined,
      group: undefined,
      vnetHdr: true,
      multiQueue: false,
      mtu: 1500,
      mac: tapMac(attachment),
      alias: 'urunc-tap:net1:eth0:ctr1',
    });
    expect(plan.changes[1]).toEqual({ op: 'add-ingress-qdisc', dev: 'eth0', mark: QDISC_MARK });
    expect(plan.changes[2]).toEqual({
      op: 'add-redirect',
      dev: 'eth0',
      pref: REDIRECT_PREF,
      target: 'tap0_urunc',
      cookie: redirectCookie(attachment),
    });
    expect(plan).toMatchObject({ repairs: [], warnings: [] });
  });

  it('plans nothing on a wired pod', () => {
    expect(planAdd(wired(), attachment, config)).toEqual({
      changes: [],
      repairs: [],
      warnings: [],
    });
  });

  it('reuses a foreign clsact qdisc and leaves the foreign filter on it', () => {
    const state = bare();
    state.hooks.set('eth0', foreignHook([foreignFilter()]));
    const plan = planAdd(state, attachment, config);
    expect(ops(plan.changes)).toEqual([
      'create-tap tap0_urunc',
      'add-redirect eth0 tap0_urunc',
      'add-ingress-qdisc tap0_urunc',
      'add-redirect tap0_urunc eth0',
    ]);
    expect(plan.warnings).toEqual([]);
  });

  it('replaces an orphaned redirect of ours, keeping the qdisc', () => {
    const state = wired();
    state.hooks.set('eth0', hook([ourRedirect('*')]));
    const plan = planAdd(state, attachment, config);
    expect(plan.changes).toEqual([
      { op: 'delete-priority', dev: 'eth0', pref: REDIRECT_PREF, kind: 'u32' },
      {
        op: 'add-redirect',
        dev: 'eth0',
        pref: REDIRECT_PREF,
        target: 'tap0_urunc',
        cookie: redirectCookie(attachment),
      },
    ]);
    // Ours is not a repair: it is the wiring itself.
    expect(plan.repairs).toEqual([]);
  });

  it('keeps one redirect when there are duplicates, deleting by handle next to a foreign rule', () => {
    const state = wired();
    const foreignAtOurPref = foreignFilter(REDIRECT_PREF, { protocol: 'all', handle: 0x80000802 });
    state.hooks.set(
      'eth0',
      hook([
        ourRedirect('tap0_urunc'),
        ourRedirect('tap0_urunc', { handle: 0x80000801 }),
        foreignAtOurPref,
      ]),
    );
    expect(planAdd(state, attachment, config).changes).toEqual([
      { op: 'delete-filter', dev: 'eth0', pref: REDIRECT_PREF, kind: 'u32', handle: 0x80000800 },
      { op: 'delete-filter', dev: 'eth0', pref: REDIRECT_PREF, kind: 'u32', handle: 0x80000801 },
      {
        op: 'add-redirect',
        dev: 'eth0',
        pref: REDIRECT_PREF,
        target: 'tap0_urunc',
        cookie: redirectCookie(attachment),
      },
    ]);
  });

  it('recreates a tap of ours whose flags differ, and rewires the pod side to it', () => {
    const state = withLink(wired(), 'tap0_urunc', tap({ tun: { ...tap().tun!, vnetHdr: false } }));
    expect(ops(planAdd(state, attachment, config).changes)).toEqual([
      'delete-link tap0_urunc',
      'create-tap tap0_urunc',
      'delete-priority eth0',
      'add-redirect eth0 tap0_urunc',
      'add-ingress-qdisc tap0_urunc',
      'add-redirect tap0_urunc eth0',
    ]);
  });

  it('brings a tap of ours up and to the right MTU', () => {
    const state = withLink(wired(), 'tap0_urunc', tap({ up: false, mtu: 1400 }));
    expect(planAdd(state, attachment, config).changes).toEqual([
      { op: 'set-link', name: 'tap0_urunc', mtu: 1500 },
    ]);
  });

  it('copies the pod MTU unless the config sets one', () => {
    const state = withLink(bare(), 'eth0', podIf({ mtu: 9000 }));
    expect(planAdd(state, attachment, config).changes[0]).toMatchObject({ mtu: 9000 });
    const custom = parseConfig({ cniVersion: '1.0.0', name: 'net1', type: 'urunc-tap', mtu: 1280 });
    expect(planAdd(state, attachment, custom).changes[0]).toMatchObject({ mtu: 1280 });
  });

  it('refuses without the pod interface (code 101) or with a foreign device on the tap name (102)', () => {
    expect(() => planAdd(snapshot([]), attachment, config)).toThrow(
      expect.objectContaining({ code: 101 }),
    );
    expect(() =>
      planAdd(snapshot([podIf(), tap({ alias: undefined })]), attachment, config),
    ).toThrow(
      expect.objectContaining({
        code: 102,
        message:
          'a device named tap0_urunc already exists in /run/netns/pod and it was not created by urunc-tap; remove it or set another tapName',
      }),
    );
    const other = snapshot([podIf(), tap({ alias: 'urunc-tap:net1:eth0:other' })]);
    expect(() => planAdd(other, attachment, config)).toThrow(
      /belongs to "urunc-tap:net1:eth0:other"/,
    );
  });

  it('removes foreign redirects to deleted devices on the pod interface and the tap, saying so', () => {
    const other = { ...attachment, containerId: 'ctr-gone' };
    const state = wired();
    state.hooks.set('eth0', hook([foreignRedirect('*', 20), ourRedirect('tap0_urunc')]));
    state.hooks.set(
      'tap0_urunc',
      hook([ourRedirect('*', { owner: other, pref: 30 }), ourRedirect('eth0')]),
    );
    const plan = planAdd(state, attachment, config);
    expect(plan.changes).toEqual([
      { op: 'delete-priority', dev: 'eth0', pref: 20, kind: 'u32' },
      { op: 'delete-priority', dev: 'tap0_urunc', pref: 30, kind: 'u32' },
    ]);
    expect(plan.repairs).toEqual([
      'removed a foreign redirect to a deleted device on eth0 (pref 20): it dropped every packet',
      "removed another attachment's redirect to a deleted device on tap0_urunc (pref 30): it dropped every packet",
    ]);
    // Removed, so no longer named as shadowing ours.
    expect(plan.warnings).toEqual([]);
  });

  it('removes a dead-end redirect by handle when a live foreign rule shares its priority', () => {
    const state = wired();
    const live = foreignFilter(20, { handle: 0x80000801 });
    state.hooks.set('eth0', hook([foreignRedirect('*', 20), live, ourRedirect('tap0_urunc')]));
    expect(planAdd(state, attachment, config).changes).toEqual([
      { op: 'delete-filter', dev: 'eth0', pref: 20, kind: 'u32', handle: 0x80000800 },
    ]);
  });

  it('warns about a foreign match-all before ours that ends classification, and leaves it', () => {
    const state = wired();
    state.hooks.set('eth0', hook([foreignMatchAll(1), ourRedirect('tap0_urunc')]));
    state.hooks.set('tap0_urunc', hook([foreignMatchAll(5, 'pass'), ourRedirect('eth0')]));
    const plan = planAdd(state, attachment, config);
    expect(plan.changes).toEqual([]);
    expect(plan.warnings).toEqual([
      "a foreign u32 filter at pref 1 on eth0 matches every packet before urunc-tap's redirect (pref 65280): the guest gets none of them",
      "a foreign u32 filter at pref 5 on tap0_urunc matches every packet before urunc-tap's redirect (pref 65280): the guest gets none of them",
    ]);
  });

  it('does not warn about a match-all that continues, one for one protocol, or one after ours', () => {
    const state = wired();
    state.hooks.set(
      'eth0',
      hook([
        foreignMatchAll(1, 'continue'),
        foreignFilter(2, { matchesAll: true }),
        foreignFilter(3, { protocol: 'all' }),
        ourRedirect('tap0_urunc'),
        foreignMatchAll(65500),
      ]),
    );
    expect(planAdd(state, attachment, config).warnings).toEqual([]);
  });

  it("deletes this attachment's tap under an earlier tapName, and wires the new one", () => {
    const state = snapshot(
      [podIf(), tap({ name: 'oldtap' })],
      [
        ['eth0', hook([ourRedirect('oldtap')])],
        ['oldtap', hook([ourRedirect('eth0')])],
      ],
    );
    const plan = planAdd(state, attachment, config);
    expect(ops(plan.changes)).toEqual([
      'delete-link oldtap',
      'create-tap tap0_urunc',
      'delete-priority eth0',
      'add-redirect eth0 tap0_urunc',
      'add-ingress-qdisc tap0_urunc',
      'add-redirect tap0_urunc eth0',
    ]);
    expect(plan.repairs).toEqual([
      "deleted oldtap, this attachment's tap under an earlier tapName",
    ]);
  });

  it('deletes the tap an interrupted ADD left under its staging name, then creates the tap', () => {
    // iproute2's ADD killed between `ip tuntap add` and the rename that sets the alias.
    const staged = stagingTapName(attachment);
    const plan = planAdd(
      snapshot([podIf(), tap({ name: staged, alias: undefined })]),
      attachment,
      config,
    );
    expect(ops(plan.changes).slice(0, 2)).toEqual([
      `delete-link ${staged}`,
      'create-tap tap0_urunc',
    ]);
    expect(plan.repairs).toEqual([
      `deleted ${staged}, this attachment's tap half-made by an interrupted ADD`,
    ]);
    // Another attachment's staging name is not ours: it is left alone.
    const other = stagingTapName({ ...attachment, containerId: 'ctr2' });
    const theirs = planAdd(
      snapshot([podIf(), tap({ name: other, alias: undefined })]),
      attachment,
      config,
    );
    expect(ops(theirs.changes)).not.toContain(`delete-link ${other}`);
  });

  it("leaves another attachment's tap alone, whatever its name", () => {
    const other = { ...attachment, ifname: 'net1', containerId: 'ctr2' };
    const state = snapshot([podIf(), tap({ name: 'tap9', alias: tapAlias(other) })]);
    expect(ops(planAdd(state, attachment, config).changes)).not.toContain('delete-link tap9');
  });
});

describe('planDel', () => {
  it('removes our qdisc on the pod side, then the tap', () => {
    expect(planDel(wired(), attachment)).toEqual([
      { op: 'delete-ingress-qdisc', dev: 'eth0' },
      { op: 'delete-link', name: 'tap0_urunc' },
    ]);
  });

  it('leaves a reused or shared qdisc, removing only our priority', () => {
    const state = wired();
    state.hooks.set('eth0', foreignHook([foreignFilter(), ourRedirect('tap0_urunc')]));
    expect(ops(planDel(state, attachment))).toEqual([
      'delete-priority eth0',
      'delete-link tap0_urunc',
    ]);
    state.hooks.set('eth0', hook([foreignFilter(), ourRedirect('tap0_urunc')]));
    expect(ops(planDel(state, attachment))).toEqual([
      'delete-priority eth0',
      'delete-link tap0_urunc',
    ]);
  });

  it('plans nothing when nothing of ours is left, whatever is missing', () => {
    expect(planDel(bare(), attachment)).toEqual([]);
    expect(planDel(snapshot([]), attachment)).toEqual([]);
  });

  it("removes an orphaned redirect without a tap, and nothing of another attachment's", () => {
    const state = snapshot([podIf()], [['eth0', hook([ourRedirect('*')])]]);
    expect(planDel(state, attachment)).toEqual([{ op: 'delete-ingress-qdisc', dev: 'eth0' }]);
    const other = wired({ ...attachment, containerId: 'someone-else' });
    expect(planDel(other, attachment)).toEqual([]);
  });

  it('removes the tap an interrupted ADD left under its staging name', () => {
    const staged = stagingTapName(attachment);
    const state = snapshot([podIf(), tap({ name: staged, alias: undefined })]);
    expect(planDel(state, attachment)).toEqual([{ op: 'delete-link', name: staged }]);
    const foreign = snapshot([podIf(), tap({ name: 'utap-0000000000', alias: undefined })]);
    expect(planDel(foreign, attachment)).toEqual([]);
  });

  it('finds the tap by its alias, whatever its name', () => {
    const state = snapshot(
      [podIf(), tap({ name: 'vm7' })],
      [
        ['eth0', hook([ourRedirect('vm7')])],
        ['vm7', hook([ourRedirect('eth0')])],
      ],
    );
    expect(planDel(state, attachment)).toEqual([
      { op: 'delete-ingress-qdisc', dev: 'eth0' },
      { op: 'delete-link', name: 'vm7' },
    ]);
  });

  it('never deletes a device named like our tap that does not carry our alias', () => {
    const state = snapshot([podIf(), tap({ alias: undefined }), tap({ name: 'x', alias: 'x' })]);
    expect(planDel(state, attachment)).toEqual([]);
  });

  it('removes an empty marked qdisc on CNI_IFNAME (an ADD killed before its filter)', () => {
    expect(planDel(snapshot([podIf()], [['eth0', hook([])]]), attachment)).toEqual([
      { op: 'delete-ingress-qdisc', dev: 'eth0' },
    ]);
  });

  it('leaves an empty qdisc that is not marked, or is on another device', () => {
    expect(
      planDel(snapshot([podIf()], [['eth0', foreignHook([], 'ingress')]]), attachment),
    ).toEqual([]);
    const net1 = podIf({ name: 'net1', index: 4 });
    expect(planDel(snapshot([podIf(), net1], [['net1', hook([])]]), attachment)).toEqual([]);
  });

  it('keeps a marked qdisc that still holds a foreign filter', () => {
    const state = snapshot([podIf()], [['eth0', hook([foreignFilter(), ourRedirect('*')])]]);
    expect(planDel(state, attachment)).toEqual([
      { op: 'delete-priority', dev: 'eth0', pref: REDIRECT_PREF, kind: 'u32' },
    ]);
  });
});

describe('removeFilters', () => {
  it('deletes whole priorities that hold only ours, and ours by handle where shared', () => {
    const a = ourRedirect('t', { pref: 100 });
    const b = ourRedirect('t', { pref: 200, handle: 0x80000801 });
    const shared = foreignFilter(200);
    expect(removeFilters('eth0', [a, b], [a, b, shared])).toEqual([
      { op: 'delete-priority', dev: 'eth0', pref: 100, kind: 'u32' },
      { op: 'delete-filter', dev: 'eth0', pref: 200, kind: 'u32', handle: 0x80000801 },
    ]);
    expect(removeFilters('eth0', [], [shared])).toEqual([]);
  });
});

describe('planRollback', () => {
  const fresh = planAdd(bare(), attachment, config).changes;

  it('removes what the failed plan created and nothing that was there before', () => {
    const before = bare();
    before.hooks.set('eth0', foreignHook([foreignFilter()]));
    const attempted = planAdd(before, attachment, config).changes;
    const after = wired();
    after.hooks.set('eth0', foreignHook([foreignFilter(), ourRedirect('tap0_urunc')]));
    expect(planRollback(attempted, after, attachment)).toEqual([
      { op: 'delete-priority', dev: 'eth0', pref: REDIRECT_PREF, kind: 'u32' },
      { op: 'delete-link', name: 'tap0_urunc' },
    ]);
  });

  it('keeps a tap that existed before the ADD', () => {
    const before = wired();
    before.hooks.set('eth0', hook([ourRedirect('*')]));
    const attempted = planAdd(before, attachment, config).changes;
    expect(ops(planRollback(attempted, before, attachment))).toEqual(['delete-priority eth0']);
  });

  it('removes a tap with our alias that it tried to create, with the qdisc it added', () => {
    // Failed at the last redirect: the tap, eth0's wiring and the tap's qdisc are in.
    const after = snapshot(
      [podIf(), tap()],
      [
        ['eth0', hook([ourRedirect('tap0_urunc')])],
        ['tap0_urunc', hook([])],
      ],
    );
    expect(planRollback(fresh, after, attachment)).toEqual([
      { op: 'delete-ingress-qdisc', dev: 'eth0' },
      { op: 'delete-link', name: 'tap0_urunc' },
    ]);
  });

  it('never removes a tap without our alias, but removes one under our staging name', () => {
    // A VMM made its own tap0_urunc (TUNSETIFF) between ADD's read and its write: ours failed.
    const vmmTap = snapshot([podIf(), tap({ alias: undefined })]);
    expect(planRollback(fresh, vmmTap, attachment)).toEqual([]);
    // iproute2 created the tap under its staging name, then failed to rename it (the VMM's
    // tap0_urunc was in the way): the staging tap is ours, the VMM's is not.
    const staged = stagingTapName(attachment);
    const both = snapshot([
      podIf(),
      tap({ alias: undefined }),
      tap({ name: staged, alias: undefined }),
    ]);
    expect(planRollback(fresh, both, attachment)).toEqual([{ op: 'delete-link', name: staged }]);
  });

  it('never removes a tap it did not try to create, even one with our alias', () => {
    const attempted = fresh.filter((change) => change.op !== 'create-tap');
    expect(planRollback(attempted, snapshot([podIf(), tap()]), attachment)).toEqual([]);
  });

  it('removes an added qdisc only when it carries our mark', () => {
    const qdiscOnly: Change[] = [{ op: 'add-ingress-qdisc', dev: 'eth0', mark: QDISC_MARK }];
    const marked = snapshot([podIf()], [['eth0', hook([])]]);
    expect(planRollback(qdiscOnly, marked, attachment)).toEqual([
      { op: 'delete-ingress-qdisc', dev: 'eth0' },
    ]);
    // Somebody else's qdisc got there first (our add failed with EEXIST): not ours to remove.
    const unmarked = snapshot([podIf()], [['eth0', foreignHook([], 'ingress')]]);
    expect(planRollback(qdiscOnly, unmarked, attachment)).toEqual([]);
    // A marked qdisc this ADD did not add (an earlier ADD's) stays too.
    expect(planRollback(fresh.slice(0, 1), marked, attachment)).toEqual([]);
  });

  it('removes only our redirect from a marked qdisc that gained a foreign filter', () => {
    const state = snapshot([podIf()], [['eth0', hook([foreignFilter(), ourRedirect('x')])]]);
    const attempted = fresh.filter((change) => 'dev' in change && change.dev === 'eth0');
    expect(planRollback(attempted, state, attachment)).toEqual([
      { op: 'delete-priority', dev: 'eth0', pref: REDIRECT_PREF, kind: 'u32' },
    ]);
  });

  it("never removes another attachment's redirect", () => {
    const other = { ...attachment, containerId: 'ctr2' };
    const state = snapshot(
      [podIf()],
      [['eth0', foreignHook([ourRedirect('x', { owner: other })])]],
    );
    expect(planRollback(fresh, state, attachment)).toEqual([]);
  });
});

describe('checkProblems', () => {
  const withPrev = (interfaces: unknown[]) =>
    parseConfig({
      cniVersion: '1.1.0',
      name: 'net1',
      type: 'urunc-tap',
      prevResult: { cniVersion: '1.1.0', interfaces },
    });
  const listed = {
    name: 'tap0_urunc',
    mac: '0A:00:00:00:00:03',
    mtu: 1500,
    sandbox: '/run/netns/pod',
  };

  it('is empty for a wired pod', () => {
    expect(checkProblems(wired(), attachment, config)).toEqual([]);
  });

  it('names the black hole left by a deleted tap', () => {
    const state = snapshot([podIf()], [['eth0', hook([ourRedirect('*')])]]);
    expect(checkProblems(state, attachment, config)).toEqual([
      'tap tap0_urunc is missing',
      'the redirect on eth0 points at a deleted device (black hole) instead of tap0_urunc',
    ]);
  });

  it('names each problem', () => {
    const state = withLink(wired(), 'tap0_urunc', tap({ up: false, mtu: 1400 }));
    state.hooks.set('eth0', hook([ourRedirect('*')]));
    state.hooks.delete('tap0_urunc');
    expect(checkProblems(state, attachment, config)).toEqual([
      'tap tap0_urunc is down',
      'tap tap0_urunc has mtu 1400, expected 1500',
      'the redirect on eth0 points at a deleted device (black hole) instead of tap0_urunc',
      'tap0_urunc has no ingress qdisc',
    ]);
  });

  it("names a tap that is not this attachment's, and a missing pod interface", () => {
    const state = snapshot([tap({ alias: 'urunc-tap:net1:eth0:ctr9' })]);
    expect(checkProblems(state, attachment, config)).toEqual([
      'pod interface eth0 is missing',
      'tap0_urunc is not this attachment\'s tap (alias "urunc-tap:net1:eth0:ctr9")',
    ]);
  });

  it('names duplicated and misdirected redirects of ours', () => {
    const state = wired();
    state.hooks.set(
      'eth0',
      hook([ourRedirect('tap0_urunc'), ourRedirect('tap0_urunc', { handle: 0x80000801 })]),
    );
    state.hooks.set('tap0_urunc', hook([ourRedirect('lo')]));
    expect(checkProblems(state, attachment, config)).toEqual([
      'eth0 has 2 urunc-tap redirects, expected 1',
      'the redirect on tap0_urunc points at lo instead of eth0',
    ]);
  });

  it('takes the tap prevResult lists, with its MAC in any case and its MTU', () => {
    expect(checkProblems(wired(), attachment, withPrev([listed]))).toEqual([]);
    // Below 1.1.0 a result carries no mtu: nothing to compare.
    const { mtu: _mtu, ...noMtu } = listed;
    expect(checkProblems(wired(), attachment, withPrev([noMtu]))).toEqual([]);
  });

  it('requires prevResult to list the tap in this namespace, with matching MAC and MTU', () => {
    expect(checkProblems(wired(), attachment, withPrev([{ name: 'eth0' }]))).toEqual([
      'prevResult does not list tap tap0_urunc in /run/netns/pod',
    ]);
    expect(
      checkProblems(wired(), attachment, withPrev([{ ...listed, sandbox: '/run/netns/other' }])),
    ).toEqual(['prevResult does not list tap tap0_urunc in /run/netns/pod']);
    expect(
      checkProblems(
        wired(),
        attachment,
        withPrev([{ ...listed, mac: '02:00:00:00:00:99', mtu: 9000 }]),
      ),
    ).toEqual([
      'tap tap0_urunc has mac 0a:00:00:00:00:03, prevResult says 02:00:00:00:00:99',
      'tap tap0_urunc has mtu 1500, prevResult says 9000',
    ]);
  });

  it('names a foreign match-all that shadows ours', () => {
    const state = wired();
    state.hooks.set('eth0', hook([foreignMatchAll(1), ourRedirect('tap0_urunc')]));
    expect(checkProblems(state, attachment, config)).toEqual([
      "a foreign u32 filter at pref 1 on eth0 matches every packet before urunc-tap's redirect (pref 65280): the guest gets none of them",
    ]);
  });

  it('names a foreign redirect to a deleted device on either device', () => {
    const state = wired();
    const deadEnd = { ...foreignRedirect('*', 20), protocol: 'ip', matchesAll: false };
    state.hooks.set('eth0', hook([deadEnd, ourRedirect('tap0_urunc')]));
    state.hooks.set('tap0_urunc', hook([{ ...deadEnd, pref: 30 }, ourRedirect('eth0')]));
    expect(checkProblems(state, attachment, config)).toEqual([
      'eth0 has a foreign redirect to a deleted device (pref 20, black hole)',
      'tap0_urunc has a foreign redirect to a deleted device (pref 30, black hole)',
    ]);
  });

  it('names a match-all dead-end redirect (the old runtime cleanup left those) as a black hole', () => {
    const state = wired();
    state.hooks.set('eth0', hook([foreignRedirect('*', 20), ourRedirect('tap0_urunc')]));
    expect(checkProblems(state, attachment, config)).toContain(
      'eth0 has a foreign redirect to a deleted device (pref 20, black hole)',
    );
  });
});
