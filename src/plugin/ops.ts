// The changes a plan is made of: plain data, so plans are unit-testable without root.
import {
  addIngressQdisc,
  addRedirect,
  createTap,
  deleteFilter,
  deleteIngressQdisc,
  deleteLink,
  deletePriority,
  setLink,
  type BatchCommand,
} from '../net/commands.js';
import type { TcFilter } from '../net/model.js';
import { REDIRECT_PREF } from './attachment.js';

/** One change to the namespace. */
export type Op =
  | {
      op: 'create-tap';
      name: string;
      owner: number | undefined;
      group: number | undefined;
      vnetHdr: boolean;
      multiQueue: boolean;
      mtu: number;
      mac: string;
      alias: string;
    }
  | { op: 'update-link'; name: string; mtu: number }
  | { op: 'delete-link'; name: string }
  | { op: 'add-ingress-qdisc'; dev: string }
  | { op: 'delete-ingress-qdisc'; dev: string }
  | { op: 'add-redirect'; dev: string; target: string; cookie: string }
  | { op: 'delete-filter'; dev: string; filter: TcFilter }
  | { op: 'delete-priority'; dev: string; pref: number; protocol: string; kind: string };

/** The iproute2 commands that carry out an op. */
export function commandsFor(op: Op): BatchCommand[] {
  switch (op.op) {
    case 'create-tap':
      return [
        createTap(op.name, op),
        setLink(op.name, { mtu: op.mtu, mac: op.mac, alias: op.alias, up: true }),
      ];
    case 'update-link':
      return [setLink(op.name, { mtu: op.mtu, up: true })];
    case 'delete-link':
      return [deleteLink(op.name)];
    case 'add-ingress-qdisc':
      return [addIngressQdisc(op.dev)];
    case 'delete-ingress-qdisc':
      return [deleteIngressQdisc(op.dev)];
    case 'add-redirect':
      return [addRedirect(op.dev, REDIRECT_PREF, op.target, op.cookie)];
    case 'delete-filter':
      return [deleteFilter(op.dev, op.filter)];
    case 'delete-priority':
      return [deletePriority(op.dev, op)];
  }
}

/** A short past-tense description, for logs. */
export function describe(op: Op): string {
  switch (op.op) {
    case 'create-tap':
      return `created tap ${op.name} (mtu ${op.mtu}, mac ${op.mac})`;
    case 'update-link':
      return `set ${op.name} mtu ${op.mtu} up`;
    case 'delete-link':
      return `deleted ${op.name}`;
    case 'add-ingress-qdisc':
      return `added ingress qdisc on ${op.dev}`;
    case 'delete-ingress-qdisc':
      return `deleted ingress qdisc on ${op.dev}`;
    case 'add-redirect':
      return `added redirect ${op.dev} -> ${op.target}`;
    case 'delete-filter':
      return `deleted filter pref ${op.filter.pref} handle ${op.filter.handle} on ${op.dev}`;
    case 'delete-priority':
      return `deleted filters at pref ${op.pref} on ${op.dev}`;
  }
}
