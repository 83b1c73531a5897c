// The operator planners on hand-built namespaces: cleanup's ownership and inspect's verdicts.
import { describe, expect, it } from 'vitest';
import { describeChange } from '../../src/net/changes.js';
import type { NamespaceSnapshot } from '../../src/net/model.js';
import { planCleanup } from '../../src/plugin/cleanup.js';
import { inspect, isProblem } from '../../src/plugin/inspect.js';
import { stagingTapName, tapAlias, type Attachment } from '../../src/plugin/marks.js';
import { planDel } from '../../src/plugin/plan-del.js';
import {
  attachment,
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

/** A second attachment in the same pod: interface net1, tap tap1, another network. */
const second: Attachment = { ...attachment, network: 'net2', ifname: 'net1', tapName: 'tap1' };

/** Two wired attachments side by side, plus a foreign filter and a foreign tap. */
function twoPods(): NamespaceSnapshot {
  return snapshot(
    [
      podIf(),
      tap({ alias: tapAlias(attachment), carrier: true }),
      podIf({ name: 'net1', index: 4 }),
      tap({ name: 'tap1', index: 5, alias: tapAlias(second), carrier: true }),
      tap({ name: 'foreign0', index: 6, alias: 'made by someone else' }),
    ],
    [
      ['eth0', foreignHook([foreignFilter(10), ourRedirect('tap0_urunc')])],
      ['tap0_urunc', hook([ourRedirect('eth0')])],
      ['net1', hook([ourRedirect('tap1', { owner: second })])],
      ['tap1', hook([ourRedirect('net1', { owner: second })])],
    ],
  );
}

const plan = (state: NamespaceSnapshot, scope = {}) =>
  planCleanup(state, scope).map((change) => describeChange(change).text);

describe('cleanup', () => {
  it('removes everything urunc-tap made, whatever the attachment, and nothing else', () => {
    expect(plan(twoPods())).toEqual([
      'deleted filters at pref 65280 on eth0',
      'deleted ingress qdisc on net1',
      'deleted tap0_urunc',
      'deleted tap1',
    ]);
  });

  it('--tap: that tap and the redirects to it only', () => {
    expect(plan(twoPods(), { tap: 'tap1' })).toEqual([
      'deleted ingress qdisc on net1',
      'deleted tap1',
    ]);
  });

  it('--ifname: that pod interface and its taps only', () => {
    expect(plan(twoPods(), { ifname: 'eth0' })).toEqual([
      'deleted filters at pref 65280 on eth0',
      'deleted tap0_urunc',
    ]);
  });

  it('--tap of a tap already deleted by hand: removes the orphaned redirect (to "*")', () => {
    const orphan = snapshot([podIf()], [['eth0', hook([ourRedirect('*')])]]);
    expect(plan(orphan, { tap: 'tap0_urunc' })).toEqual(['deleted ingress qdisc on eth0']);
  });

  it('removes an empty qdisc of ours anywhere without a scope, only on --ifname with one', () => {
    const empty = snapshot(
      [podIf(), podIf({ name: 'net1', index: 4 })],
      [
        ['eth0', hook([])],
        ['net1', hook([])],
      ],
    );
    expect(plan(empty)).toEqual(['deleted ingress qdisc on eth0', 'deleted ingress qdisc on net1']);
    expect(plan(empty, { ifname: 'net1' })).toEqual(['deleted ingress qdisc on net1']);
    expect(plan(empty, { tap: 'tap0_urunc' })).toEqual([]);
  });

  it('removes a half-made tap (alias-less, under a staging name) without a scope only', () => {
    const staged = stagingTapName(second);
    const state = snapshot([podIf(), tap({ name: staged, alias: undefined })]);
    expect(planCleanup(state, {})).toEqual([{ op: 'delete-link', name: staged }]);
    expect(planCleanup(state, { ifname: 'eth0' })).toEqual([]);
    // A name of that shape with an alias, or not a tap, is not one.
    const lookalikes = snapshot([
      podIf(),
      tap({ name: staged, alias: 'someone' }),
      tap({ name: 'utap-0123456789', alias: undefined, tun: undefined }),
    ]);
    expect(planCleanup(lookalikes, {})).toEqual([]);
  });

  it('plans nothing once clean (safe to run twice), and never takes a foreign tap or qdisc', () => {
    const clean = snapshot(
      [podIf(), tap({ name: 'foreign0', alias: undefined })],
      [['eth0', foreignHook([], 'ingress')]],
    );
    expect(plan(clean)).toEqual([]);
    expect(plan(clean, { tap: 'foreign0' })).toEqual([]);
  });

  it('is a superset of DEL: on one attachment it plans what DEL plans', () => {
    const state = wired();
    expect(planCleanup(state, {})).toEqual(planDel(state, attachment));
  });

  it('leaves a foreign redirect to a deleted device alone (ADD repairs those, cleanup does not)', () => {
    const state = snapshot([podIf()], [['eth0', foreignHook([foreignRedirect('*')])]]);
    expect(plan(state)).toEqual([]);
  });
});

describe('inspect', () => {
  it('calls a pod with a VMM on its tap healthy', () => {
    const report = inspect(twoPods(), { ifname: 'net1' });
    expect(report).toMatchObject({ verdict: 'healthy', findings: [] });
    expect(report.taps).toEqual([
      {
        name: 'tap1',
        owner: { network: 'net2', ifname: 'net1', containerId: 'ctr1' },
        user: null,
        group: null,
        mtu: 1500,
        mac: '0a:00:00:00:00:03',
        up: true,
        vmmAttached: true,
        vnetHdr: true,
        multiQueue: false,
      },
    ]);
    expect(report.devices.map((device) => [device.name, device.qdiscByUrunctap])).toEqual([
      ['net1', true],
      ['tap1', true],
    ]);
  });

  it('reports the filters of each device as tc names them', () => {
    const report = inspect(wired());
    expect(report.devices[0]).toEqual({
      name: 'eth0',
      kind: 'veth',
      mtu: 1500,
      up: true,
      carrier: true,
      qdisc: 'ingress',
      qdiscByUrunctap: true,
      filters: [
        {
          pref: 65280,
          kind: 'u32',
          handle: '800::800',
          urunctap: true,
          actions: [{ kind: 'mirred', action: 'redirect', direction: 'egress', to: 'tap0_urunc' }],
        },
      ],
    });
  });

  it('names foreign filters on a device that carries our redirect', () => {
    const report = inspect(twoPods(), { ifname: 'eth0' });
    expect(report.verdict).toBe('foreign-filters');
    expect(report.findings).toEqual([
      {
        kind: 'foreign-filters',
        device: 'eth0',
        message: 'eth0 has 1 filters not made by urunc-tap (1 run before its redirect)',
      },
    ]);
  });

  it('calls a wired tap that no VMM holds (no carrier) waiting-for-vmm, not a problem', () => {
    const report = inspect(wired());
    expect(report).toMatchObject({ verdict: 'waiting-for-vmm', findings: [] });
    expect(isProblem(report.verdict)).toBe(false);
    const attached = withLink(wired(), 'tap0_urunc', tap({ carrier: true }));
    expect(inspect(attached).verdict).toBe('healthy');
  });

  it('calls a redirect of ours to a deleted device a black hole', () => {
    const report = inspect(snapshot([podIf()], [['eth0', hook([ourRedirect('*')])]]));
    expect(report.verdict).toBe('black-hole');
    expect(isProblem(report.verdict)).toBe(true);
    expect(report.findings[0]!.message).toBe(
      "eth0 has urunc-tap's redirect to a deleted device (pref 65280): every frame it takes is dropped",
    );
  });

  it('calls a foreign redirect to a deleted device beside ours a black hole too', () => {
    const state = withLink(wired(), 'tap0_urunc', tap({ carrier: true }));
    state.hooks.set('eth0', hook([foreignRedirect('*', 20), ourRedirect('tap0_urunc')]));
    const report = inspect(state);
    expect(report.verdict).toBe('black-hole');
    expect(report.findings[0]).toEqual({
      kind: 'black-hole',
      device: 'eth0',
      message:
        'eth0 has a foreign redirect to a deleted device (pref 20): every frame it takes is dropped',
    });
  });

  it('calls a foreign match-all before ours shadowed', () => {
    const state = withLink(wired(), 'tap0_urunc', tap({ carrier: true }));
    const matchAll = foreignFilter(1, { protocol: 'all', matchesAll: true });
    state.hooks.set('eth0', hook([matchAll, ourRedirect('tap0_urunc')]));
    const report = inspect(state);
    expect(report.verdict).toBe('shadowed');
    expect(report.findings).toEqual([
      {
        kind: 'shadowed',
        device: 'eth0',
        message:
          "a foreign u32 filter at pref 1 on eth0 matches every packet before urunc-tap's redirect (pref 65280): the guest gets none of them",
      },
    ]);
  });

  it('calls a tap that nothing feeds, or whose pod interface is gone, orphaned', () => {
    const alone = snapshot([podIf(), tap()], [['tap0_urunc', hook([ourRedirect('eth0')])]]);
    expect(inspect(alone).findings.map((f) => f.kind)).toEqual(['orphaned-tap']);
    const gone = snapshot([tap()]);
    expect(inspect(gone).findings).toEqual([
      {
        kind: 'orphaned-tap',
        device: 'tap0_urunc',
        message: 'tap0_urunc belongs to pod interface eth0, which is gone',
      },
    ]);
  });

  it('calls a missing return redirect or a down tap broken, and an empty namespace clean', () => {
    const oneWay = snapshot(
      [podIf(), tap({ carrier: true })],
      [['eth0', hook([ourRedirect('tap0_urunc')])]],
    );
    expect(inspect(oneWay)).toMatchObject({
      verdict: 'broken',
      findings: [
        {
          kind: 'broken',
          device: 'tap0_urunc',
          message:
            "tap0_urunc has no redirect back to the pod interface: the guest's frames go nowhere",
        },
      ],
    });
    const down = withLink(wired(), 'tap0_urunc', tap({ up: false, carrier: true }));
    expect(inspect(down).findings.map((f) => f.message)).toEqual(['tap0_urunc is down']);
    expect(inspect(snapshot([podIf()])).verdict).toBe('clean');
    expect(inspect(snapshot([podIf()])).devices).toEqual([]);
  });

  it('calls a redirect of ours to a device that is not our tap broken', () => {
    const state = snapshot([podIf()], [['eth0', hook([ourRedirect('lo')])]]);
    expect(inspect(state).findings).toEqual([
      {
        kind: 'broken',
        device: 'eth0',
        message: "eth0's urunc-tap redirect points at lo, which is not a urunc-tap tap",
      },
    ]);
  });
});
