// Properties of the planners over generated pods, with the changes carried out on the snapshot
// as the kernel would (fake-platform.ts): ADD then DEL leaves the pod as it was, a second ADD
// plans nothing, CHECK is happy after ADD, and a rollback after a failure at any step leaves
// the pod as it was.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/net/changes.js';
import type { IngressHook, NamespaceSnapshot, TcFilter } from '../../src/net/model.js';
import { parseConfig } from '../../src/plugin/config.js';
import { tapAlias, type Attachment } from '../../src/plugin/marks.js';
import { checkProblems } from '../../src/plugin/plan-check.js';
import { planAdd } from '../../src/plugin/plan-add.js';
import { planDel, planRollback } from '../../src/plugin/plan-del.js';
import { applyChange } from './fake-platform.js';
import { attachment, foreignFilter, hook, ourRedirect, podIf, snapshot, tap } from './state.js';

/** Another attachment of the same pod, wired on net1 / tap1. */
const neighbour: Attachment = {
  ...attachment,
  network: 'net2',
  ifname: 'net1',
  tapName: 'tap1',
};

/** A foreign filter that does not take every packet and is no dead end. */
const foreignArb: fc.Arbitrary<TcFilter> = fc
  .record({
    pref: fc.integer({ min: 1, max: 65535 }).filter((pref) => pref !== 65280),
    protocol: fc.constantFrom('ip', 'ipv6', 'arp'),
  })
  .map(({ pref, protocol }) => foreignFilter(pref, { protocol }));

/** The pod interface's hook before ADD: none, or another program's qdisc and filters. */
const podHookArb: fc.Arbitrary<IngressHook | undefined> = fc.oneof(
  fc.constant(undefined),
  fc
    .record({
      qdisc: fc.constantFrom('ingress' as const, 'clsact' as const),
      filters: fc.uniqueArray(foreignArb, { selector: (f) => f.pref, maxLength: 3 }),
    })
    .map(({ qdisc, filters }) => ({ qdisc, qdiscMark: undefined, filters })),
);

const podArb = fc
  .record({
    mtu: fc.constantFrom(1280, 1450, 1500, 9000),
    podHook: podHookArb,
    foreignTap: fc.boolean(),
    withNeighbour: fc.boolean(),
  })
  .map(({ mtu, podHook, foreignTap, withNeighbour }) => {
    const links = [podIf({ mtu })];
    const hooks: Array<[string, IngressHook]> = podHook ? [['eth0', podHook]] : [];
    if (foreignTap) links.push(tap({ name: 'foreign0', index: 9, alias: 'made by a VMM' }));
    if (withNeighbour) {
      links.push(
        podIf({ name: 'net1', index: 4 }),
        tap({ name: 'tap1', index: 5, alias: tapAlias(neighbour) }),
      );
      hooks.push(
        ['net1', hook([ourRedirect('tap1', { owner: neighbour })])],
        ['tap1', hook([ourRedirect('net1', { owner: neighbour })])],
      );
    }
    return snapshot(links, hooks);
  });

const configArb = fc
  .record({
    mtu: fc.option(fc.constantFrom(1400, 9000), { nil: undefined }),
    multiQueue: fc.boolean(),
    vnetHdr: fc.boolean(),
    tapName: fc.constantFrom('tap0_urunc', 'vm0'),
  })
  .map((extra) =>
    parseConfig({
      cniVersion: '1.0.0',
      name: attachment.network,
      type: 'urunc-tap',
      ...Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined)),
    }),
  );

const after = (state: NamespaceSnapshot, changes: Change[]) => {
  const next = structuredClone(state);
  for (const change of changes) applyChange(next, change);
  return next;
};
const forConfig = (tapName: string): Attachment => ({ ...attachment, tapName });
const RUNS = { numRuns: 300 };

describe('planner properties', () => {
  it('ADD wires the pod so CHECK finds nothing wrong, and a second ADD plans nothing', () => {
    fc.assert(
      fc.property(podArb, configArb, (pod, config) => {
        const me = forConfig(config.tapName);
        const wired = after(pod, planAdd(pod, me, config).changes);
        expect(checkProblems(wired, me, config)).toEqual([]);
        expect(planAdd(wired, me, config)).toEqual({ changes: [], repairs: [], warnings: [] });
      }),
      RUNS,
    );
  });

  it('DEL after ADD leaves the pod exactly as it was, and a second DEL plans nothing', () => {
    fc.assert(
      fc.property(podArb, configArb, (pod, config) => {
        const me = forConfig(config.tapName);
        const wired = after(pod, planAdd(pod, me, config).changes);
        const removed = after(wired, planDel(wired, me));
        expect(removed).toEqual(pod);
        expect(planDel(removed, me)).toEqual([]);
      }),
      RUNS,
    );
  });

  it('DEL finds the wiring whatever tapName the config says now', () => {
    fc.assert(
      fc.property(podArb, configArb, (pod, config) => {
        const wired = after(pod, planAdd(pod, forConfig(config.tapName), config).changes);
        const renamed = forConfig(config.tapName === 'vm0' ? 'tap0_urunc' : 'vm0');
        expect(after(wired, planDel(wired, renamed))).toEqual(pod);
      }),
      RUNS,
    );
  });

  it('an ADD under a new tapName replaces the old tap, and DEL then restores the pod', () => {
    fc.assert(
      fc.property(podArb, configArb, (pod, config) => {
        const first = forConfig('vm0');
        const second = forConfig('tap0_urunc');
        const once = after(pod, planAdd(pod, first, config).changes);
        const plan = planAdd(once, second, config);
        expect(plan.repairs).toEqual([
          "deleted vm0, this attachment's tap under an earlier tapName",
        ]);
        const twice = after(once, plan.changes);
        expect(twice.links.map((link) => link.name)).not.toContain('vm0');
        expect(checkProblems(twice, second, config)).toEqual([]);
        expect(after(twice, planDel(twice, second))).toEqual(pod);
      }),
      RUNS,
    );
  });

  it('a rollback after a failure at any step leaves the pod exactly as it was', () => {
    fc.assert(
      fc.property(podArb, configArb, fc.nat(), (pod, config, at) => {
        const me = forConfig(config.tapName);
        const changes = planAdd(pod, me, config).changes;
        const applied = changes.slice(0, at % (changes.length + 1));
        const failed = after(pod, applied);
        const undo = planRollback(changes, failed, me);
        expect(after(failed, undo)).toEqual(pod);
      }),
      RUNS,
    );
  });
});
