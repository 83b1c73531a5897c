// DEL as a plan, and the rollback of a failed ADD, which is DEL limited to what ADD created.
import type { Link } from '../net/model.js';
import { tapAlias, type Attachment } from './attachment.js';
import { hookOf, ourFilters, type NamespaceState } from './observe.js';
import type { Op } from './ops.js';
import { planRemoval, unhook, type Ownership } from './plan-removal.js';

/**
 * The ops that remove exactly what ADD made for this attachment, from whatever subset of it
 * is still there: our redirects, the ingress qdisc we added (only once no foreign filter is
 * left on it) and our tap. Empty when nothing of ours is left, so DEL is idempotent.
 */
export function planDel(state: NamespaceState, attachment: Attachment): Op[] {
  const links = [state.podIf, state.tap].filter((link): link is Link => link !== undefined);
  return planRemoval(links, state.hooks, attachmentOwnership(attachment));
}

/** What one attachment owns: its tap (by name and alias) and the filters with its cookie. */
export function attachmentOwnership(attachment: Attachment): Ownership {
  return {
    tap: (link) => link.name === attachment.tapName && link.alias === tapAlias(attachment),
    filter: (_dev, filter) => ourFilters(attachment, [filter]).length > 0,
  };
}

/**
 * Undoes what a failed ADD plan created, judged against the namespace as it is after the
 * failure: whatever part of the plan did run is removed, whatever did not is simply absent.
 * Things that were there before the ADD are left alone.
 */
export function planRollback(addOps: Op[], state: NamespaceState, attachment: Attachment): Op[] {
  const createdTap = addOps.some((op) => op.op === 'create-tap');
  const ops: Op[] = [];
  for (const dev of devicesToUnhook(state, createdTap && state.tap !== undefined)) {
    const addedQdisc = addOps.some((op) => op.op === 'add-ingress-qdisc' && op.dev === dev);
    const addedRedirect = addOps.some((op) => op.op === 'add-redirect' && op.dev === dev);
    const { qdisc, filters } = hookOf(state, dev);
    const ours = addedRedirect ? ourFilters(attachment, filters) : [];
    ops.push(...unhook(dev, addedQdisc && qdisc === 'ingress', ours, filters));
  }
  if (createdTap && state.tap) ops.push({ op: 'delete-link', name: attachment.tapName });
  return ops;
}

/** The devices whose hooks need cleaning: the tap's goes with the tap when we delete it. */
function devicesToUnhook(state: NamespaceState, tapGoes: boolean): string[] {
  const devices = state.podIf ? [state.podIf.name] : [];
  if (state.tap && !tapGoes) devices.push(state.tap.name);
  return devices;
}
