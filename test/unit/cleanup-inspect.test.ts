// The operator planners on hand-built namespaces: cleanup's ownership and inspect's verdicts.
import { describe, expect, it } from 'vitest';
import type { IngressHook, Link } from '../../src/net/model.js';
import { tapAlias, type Attachment } from '../../src/plugin/attachment.js';
import { planCleanup } from '../../src/plugin/cleanup.js';
import { inspect } from '../../src/plugin/inspect.js';
import type { NamespaceView } from '../../src/plugin/observe-namespace.js';
import { describe as describeOp } from '../../src/plugin/ops.js';
import { planDel } from '../../src/plugin/plan-del.js';
import { attachment, foreignFilter, ourRedirect, podIf, tap, wired } from './state.js';

/** A second attachment in the same pod: interface net1, tap tap1, another network. */
const second: Attachment = { ...attachment, network: 'net2', ifname: 'net1', tapName: 'tap1' };

function view(links: Link[], hooks: Array<[string, IngressHook]>): NamespaceView {
  return { netns: '/run/netns/pod', links, hooks: new Map(hooks) };
}

/** Two wired attachments side by side, plus a foreign filter and a foreign tap. */
function twoPods(): NamespaceView {
  return view(
    [
      podIf(),
      tap({ alias: tapAlias(attachment), carrier: true }),
      podIf({ name: 'net1', index: 4 }),
      tap({ name: 'tap1', index: 5, alias: tapAlias(second), carrier: true }),
      tap({ name: 'foreign0', index: 6, alias: 'made by someone else' }),
    ],
    [
      ['eth0', { qdisc: 'clsact', filters: [foreignFilter(10), ourRedirect('tap0_urunc', false)] }],
      ['tap0_urunc', { qdisc: 'ingress', filters: [ourRedirect('eth0')] }],
      ['net1', { qdisc: 'ingress', filters: [ourRedirect('tap1', true, '800::800', second)] }],
      ['tap1', { qdisc: 'ingress', filters: [ourRedirect('net1', true, '800::800', second)] }],
    ],
  );
}

const plan = (v: NamespaceView, scope = {}) => planCleanup(v, scope).map(describeOp);

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
    const orphan = view([podIf()], [['eth0', { qdisc: 'ingress', filters: [ourRedirect('*')] }]]);
    expect(plan(orphan, { tap: 'tap0_urunc' })).toEqual(['deleted ingress qdisc on eth0']);
  });

  it('plans nothing once clean (safe to run twice), and never takes a foreign tap', () => {
    const clean = view([podIf(), tap({ name: 'foreign0', alias: undefined })], []);
    expect(plan(clean)).toEqual([]);
    expect(plan(clean, { tap: 'foreign0' })).toEqual([]);
  });

  it('is a superset of DEL: on one attachment it plans what DEL plans', () => {
    const state = wired();
    const one = view([state.podIf!, state.tap!], [...state.hooks]);
    expect(planCleanup(one, {})).toEqual(planDel(state, attachment));
  });
});

describe('inspect', () => {
  it('calls a pod with a VMM on its tap healthy', () => {
    const report = inspect(twoPods(), { ifname: 'net1' });
    expect(report).toMatchObject({ verdict: 'healthy', findings: [] });
    expect(report.taps).toEqual([
      expect.objectContaining({
        name: 'tap1',
        owner: { network: 'net2', ifname: 'net1', containerId: 'ctr1' },
        vmmAttached: true,
      }),
    ]);
  });

  it('names foreign filters on a device that carries our redirect', () => {
    const report = inspect(twoPods(), { ifname: 'eth0' });
    expect(report.verdict).toBe('foreign-filters');
    expect(report.findings[0]!.message).toBe(
      'eth0 has 1 filters not made by urunc-tap (1 run before its redirect)',
    );
  });

  it('calls a redirect to a tap no VMM holds a black hole', () => {
    const state = wired();
    const report = inspect(view([state.podIf!, state.tap!], [...state.hooks]));
    expect(report.verdict).toBe('black-hole');
    expect(report.findings[0]!.message).toContain('which no VMM holds (no carrier)');
  });

  it('calls a redirect to a deleted device a black hole', () => {
    const report = inspect(
      view([podIf()], [['eth0', { qdisc: 'ingress', filters: [ourRedirect('*')] }]]),
    );
    expect(report.verdict).toBe('black-hole');
    expect(report.findings[0]!.message).toContain('redirects to a deleted device');
  });

  it('calls a tap that nothing feeds, or whose pod interface is gone, orphaned', () => {
    const alone = view(
      [podIf(), tap()],
      [['tap0_urunc', { qdisc: 'ingress', filters: [ourRedirect('eth0')] }]],
    );
    expect(inspect(alone).findings.map((f) => f.kind)).toEqual(['orphaned-tap']);
    const gone = view([tap()], []);
    expect(inspect(gone).findings[0]!.message).toBe(
      'tap0_urunc belongs to pod interface eth0, which is gone',
    );
  });

  it('calls a missing return redirect broken, and an empty namespace clean', () => {
    const oneWay = view(
      [podIf(), tap({ carrier: true })],
      [['eth0', { qdisc: 'ingress', filters: [ourRedirect('tap0_urunc')] }]],
    );
    expect(inspect(oneWay).verdict).toBe('broken');
    expect(inspect(view([podIf()], [])).verdict).toBe('clean');
  });
});
