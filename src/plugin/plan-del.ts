// DEL as a plan, and the rollback of a failed ADD, which is DEL limited to what ADD created.
import type { TcFilter } from '../net/model.js';
import { tapAlias, type Attachment } from './attachment.js';
import { hookOf, ourFilters, qdiscAddedByUs, type NamespaceState } from './observe.js';
import { removeFilters } from './filter-removal.js';
import type { Op } from './ops.js';

/**
 * The ops that remove exactly what ADD made for this attachment, from whatever subset of it
 * is still there: our redirects, the ingress qdisc we added (only once no foreign filter is
 * left on it) and our tap. Empty when nothing of ours is left, so DEL is idempotent.
 */
export function planDel(state: NamespaceState, attachment: Attachment): Op[] {
  const deleteTap = state.tap !== undefined && state.tap.alias === tapAlias(attachment);
  const ops: Op[] = [];
  for (const dev of devicesToUnhook(state, deleteTap)) {
    const { qdisc, filters } = hookOf(state, dev);
    const ours = ourFilters(attachment, filters);
    ops.push(...unhook(dev, qdisc === 'ingress' && qdiscAddedByUs(ours), ours, filters));
  }
  // Filters go before the tap, so no redirect of ours is ever left pointing at nothing.
  if (deleteTap) ops.push({ op: 'delete-link', name: attachment.tapName });
  return ops;
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

/** Removes `ours` from a device: with the qdisc when it is ours and nobody else uses it. */
function unhook(dev: string, qdiscIsOurs: boolean, ours: TcFilter[], all: TcFilter[]): Op[] {
  if (qdiscIsOurs && all.length === ours.length) return [{ op: 'delete-ingress-qdisc', dev }];
  return removeFilters(dev, ours, all);
}
