// The planners, on hand-built states: what ADD, DEL, rollback and CHECK decide.
import { describe, expect, it } from 'vitest';
import { parseRedirectCookie } from '../../src/plugin/attachment.js';
import { parseConfig } from '../../src/plugin/config.js';
import { checkProblems } from '../../src/plugin/plan-check.js';
import { planAdd } from '../../src/plugin/plan-add.js';
import { planDel, planRollback } from '../../src/plugin/plan-del.js';
import { attachment, bare, foreignFilter, ourRedirect, podIf, tap, wired } from './state.js';

const config = parseConfig({ cniVersion: '1.0.0', name: 'net1', type: 'urunc-tap' });
const ops = (list: Array<{ op: string; dev?: string; name?: string; target?: string }>) =>
  list.map((o) => [o.op, o.dev ?? o.name, ...(o.target ? [o.target] : [])].join(' '));

/** The "we added the qdisc" flag in an add-redirect op's cookie. */
const flagOf = (op: unknown) =>
  parseRedirectCookie((op as { cookie?: string }).cookie)?.qdiscAddedByUs;

describe('planAdd', () => {
  it('wires a bare pod: tap, then a hook and a redirect on each side', () => {
    const plan = planAdd(bare(), attachment, config);
    expect(ops(plan)).toEqual([
      'create-tap tap0_urunc',
      'add-ingress-qdisc eth0',
      'add-redirect eth0 tap0_urunc',
      'add-ingress-qdisc tap0_urunc',
      'add-redirect tap0_urunc eth0',
    ]);
    expect(plan[0]).toMatchObject({
      mtu: 1500,
      vnetHdr: true,
      multiQueue: false,
      alias: 'urunc-tap:net1:eth0:ctr1',
    });
    expect(flagOf(plan[2])).toBe(true);
  });

  it('plans nothing on a wired pod', () => {
    expect(planAdd(wired(), attachment, config)).toEqual([]);
  });

  it('reuses a foreign clsact qdisc and says so in the cookie flag', () => {
    const state = bare();
    state.hooks.set('eth0', { qdisc: 'clsact', filters: [foreignFilter()] });
    const plan = planAdd(state, attachment, config);
    expect(ops(plan)).not.toContain('add-ingress-qdisc eth0');
    expect(flagOf(plan.find((o) => o.op === 'add-redirect' && o.dev === 'eth0'))).toBe(false);
  });

  it('replaces an orphaned redirect, keeping the qdisc flag', () => {
    const state = wired();
    state.hooks.set('eth0', { qdisc: 'ingress', filters: [ourRedirect('*', true)] });
    expect(ops(planAdd(state, attachment, config))).toEqual([
      'delete-priority eth0',
      'add-redirect eth0 tap0_urunc',
    ]);
    expect(flagOf(planAdd(state, attachment, config)[1])).toBe(true);
  });

  it('keeps one redirect when there are duplicates, deleting by handle next to a foreign rule', () => {
    const state = wired();
    const foreignAtOurPref = { ...foreignFilter(65280), protocol: 'all' };
    state.hooks.set('eth0', {
      qdisc: 'ingress',
      filters: [
        ourRedirect('tap0_urunc'),
        ourRedirect('tap0_urunc', true, '800::801'),
        foreignAtOurPref,
      ],
    });
    expect(ops(planAdd(state, attachment, config))).toEqual([
      'delete-filter eth0',
      'delete-filter eth0',
      'add-redirect eth0 tap0_urunc',
    ]);
  });

  it('recreates a tap of ours whose flags differ, and rewires the pod side to it', () => {
    const state = wired();
    state.tap = tap({
      tun: {
        type: 'tap',
        vnetHdr: false,
        multiQueue: false,
        persist: true,
        user: undefined,
        group: undefined,
      },
    });
    expect(ops(planAdd(state, attachment, config))).toEqual([
      'delete-link tap0_urunc',
      'create-tap tap0_urunc',
      'delete-priority eth0',
      'add-redirect eth0 tap0_urunc',
      'add-ingress-qdisc tap0_urunc',
      'add-redirect tap0_urunc eth0',
    ]);
  });

  it('brings a tap of ours up and to the right MTU', () => {
    const state = wired();
    state.tap = tap({ up: false, mtu: 1400 });
    expect(planAdd(state, attachment, config)).toEqual([
      { op: 'update-link', name: 'tap0_urunc', mtu: 1500 },
    ]);
  });

  it('copies the pod MTU unless the config sets one', () => {
    const state = bare();
    state.podIf = podIf({ mtu: 9000 });
    expect(planAdd(state, attachment, config)[0]).toMatchObject({ mtu: 9000 });
    const custom = parseConfig({ cniVersion: '1.0.0', name: 'net1', type: 'urunc-tap', mtu: 1280 });
    expect(planAdd(state, attachment, custom)[0]).toMatchObject({ mtu: 1280 });
  });

  it('refuses without the pod interface (code 101) or with a foreign device on the tap name (102)', () => {
    expect(() =>
      planAdd({ podIf: undefined, tap: undefined, hooks: new Map() }, attachment, config),
    ).toThrow(expect.objectContaining({ code: 101 }));
    const state = bare();
    state.tap = tap({ alias: undefined });
    expect(() => planAdd(state, attachment, config)).toThrow(
      expect.objectContaining({ code: 102 }),
    );
    state.tap = tap({ alias: 'urunc-tap:net1:eth0:other' });
    expect(() => planAdd(state, attachment, config)).toThrow(
      /belongs to "urunc-tap:net1:eth0:other"/,
    );
  });
});

describe('planDel', () => {
  it('removes our qdisc on the pod side, then the tap', () => {
    expect(ops(planDel(wired(), attachment))).toEqual([
      'delete-ingress-qdisc eth0',
      'delete-link tap0_urunc',
    ]);
  });

  it('leaves a reused or shared qdisc, removing only our priority', () => {
    const state = wired();
    state.hooks.set('eth0', {
      qdisc: 'clsact',
      filters: [foreignFilter(), ourRedirect('tap0_urunc', false)],
    });
    expect(ops(planDel(state, attachment))).toEqual([
      'delete-priority eth0',
      'delete-link tap0_urunc',
    ]);
    state.hooks.set('eth0', {
      qdisc: 'ingress',
      filters: [foreignFilter(), ourRedirect('tap0_urunc', true)],
    });
    expect(ops(planDel(state, attachment))).toEqual([
      'delete-priority eth0',
      'delete-link tap0_urunc',
    ]);
  });

  it('plans nothing when nothing of ours is left, whatever is missing', () => {
    expect(planDel(bare(), attachment)).toEqual([]);
    expect(planDel({ podIf: undefined, tap: undefined, hooks: new Map() }, attachment)).toEqual([]);
  });

  it("removes an orphaned redirect without a tap, and nothing of another attachment's", () => {
    const state = wired();
    state.tap = undefined;
    state.hooks.delete('tap0_urunc');
    state.hooks.set('eth0', { qdisc: 'ingress', filters: [ourRedirect('*')] });
    expect(ops(planDel(state, attachment))).toEqual(['delete-ingress-qdisc eth0']);
    const other = wired({ ...attachment, containerId: 'someone-else' });
    expect(planDel(other, attachment)).toEqual([]);
  });
});

describe('planRollback', () => {
  it('removes what the failed plan created and nothing that was there before', () => {
    const before = bare();
    before.hooks.set('eth0', { qdisc: 'clsact', filters: [foreignFilter()] });
    const plan = planAdd(before, attachment, config);
    const after = wired();
    after.hooks.set('eth0', {
      qdisc: 'clsact',
      filters: [foreignFilter(), ourRedirect('tap0_urunc', false)],
    });
    expect(ops(planRollback(plan, after, attachment))).toEqual([
      'delete-priority eth0',
      'delete-link tap0_urunc',
    ]);
  });

  it('keeps a tap that existed before the ADD', () => {
    const before = wired();
    before.hooks.set('eth0', { qdisc: 'ingress', filters: [ourRedirect('*')] });
    const plan = planAdd(before, attachment, config);
    expect(ops(planRollback(plan, before, attachment))).toEqual(['delete-priority eth0']);
  });
});

describe('checkProblems', () => {
  it('is empty for a wired pod', () => {
    expect(checkProblems(wired(), attachment, config)).toEqual([]);
  });

  it('names the black hole left by a deleted tap', () => {
    const state = wired();
    state.tap = undefined;
    state.hooks.delete('tap0_urunc');
    state.hooks.set('eth0', { qdisc: 'ingress', filters: [ourRedirect('*')] });
    expect(checkProblems(state, attachment, config)).toEqual([
      'tap tap0_urunc is missing',
      'the redirect on eth0 points at a deleted device (black hole) instead of tap0_urunc',
    ]);
  });

  it('names each problem', () => {
    const state = wired();
    state.tap = tap({ up: false, mtu: 1400 });
    state.hooks.set('eth0', { qdisc: 'ingress', filters: [ourRedirect('*')] });
    state.hooks.set('tap0_urunc', { qdisc: undefined, filters: [] });
    expect(checkProblems(state, attachment, config)).toEqual([
      'tap tap0_urunc is down',
      'tap tap0_urunc has mtu 1400, expected 1500',
      'the redirect on eth0 points at a deleted device (black hole) instead of tap0_urunc',
      'tap0_urunc has no ingress qdisc',
    ]);
  });
});
