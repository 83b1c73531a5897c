// What `doctor`'s kernel probe builds, step by step (PROBE_STEPS of backend.ts), for both
// backends: what ADD builds, on one throwaway device in a throwaway namespace.
import { matchAllFilter, type Change } from './changes.js';

/** The probe's device. */
export const PROBE_DEVICE = 'utprobe0';

/** The changes of the steps that ADD makes the same way. */
export const PROBE_CHANGES = {
  tap: {
    op: 'create-tap',
    name: PROBE_DEVICE,
    staging: 'utprobe0-new',
    owner: undefined,
    group: undefined,
    vnetHdr: true,
    multiQueue: false,
    mtu: 1500,
    mac: '02:00:00:00:00:01',
    alias: 'urunc-tap-probe',
  },
  ingress: { op: 'add-ingress-qdisc', dev: PROBE_DEVICE, mark: 1 },
  mirred: {
    op: 'add-redirect',
    dev: PROBE_DEVICE,
    pref: 2,
    target: 'lo',
    cookie: '0123456789abcdef',
  },
} as const satisfies Record<string, Change>;

const MATCH_ALL_PREF = 1;

/**
 * The u32 step: a match-all rule without an action, so a missing cls_u32 is told apart from a
 * missing act_mirred.
 */
export const PROBE_MATCH_ALL = {
  pref: MATCH_ALL_PREF,
  argv: matchAllFilter(PROBE_DEVICE, MATCH_ALL_PREF),
};
