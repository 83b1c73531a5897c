// What an op changed, as log fields: the "created"/"removed" lists of the verb log.
import type { Op } from './ops.js';

/** How an op changed the namespace. */
export type Change = 'created' | 'removed' | 'changed';

/** Structured fields for the log line of an applied op. */
export function opFields(op: Op): { op: Op['op']; change: Change; object: string } {
  switch (op.op) {
    case 'create-tap':
      return { op: op.op, change: 'created', object: `tap ${op.name}` };
    case 'update-link':
      return { op: op.op, change: 'changed', object: `tap ${op.name}` };
    case 'delete-link':
      return { op: op.op, change: 'removed', object: `tap ${op.name}` };
    case 'add-ingress-qdisc':
      return { op: op.op, change: 'created', object: `ingress qdisc on ${op.dev}` };
    case 'delete-ingress-qdisc':
      return { op: op.op, change: 'removed', object: `ingress qdisc on ${op.dev}` };
    case 'add-redirect':
      return { op: op.op, change: 'created', object: `redirect ${op.dev} -> ${op.target}` };
    case 'delete-filter':
      return { op: op.op, change: 'removed', object: `filter pref ${op.filter.pref} on ${op.dev}` };
    case 'delete-priority':
      return { op: op.op, change: 'removed', object: `filters pref ${op.pref} on ${op.dev}` };
  }
}
