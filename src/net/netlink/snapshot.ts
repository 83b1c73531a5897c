// One read of a namespace into the model: a link dump, a qdisc dump, and a filter dump per
// device whose ingress is hooked by an ingress or clsact qdisc.
import type { IngressHook, Link, NamespaceSnapshot } from '../model.js';
import { getFiltersRequest, parseFilter } from './filter.js';
import { getLinksRequest, parseLink } from './link.js';
import type { RouteSocket } from './socket.js';
import { getQdiscsRequest, parseQdisc, TC_H_INGRESS } from './tc.js';

/** Every link of the socket's namespace (`ip -d link show`). */
export function readLinks(socket: RouteSocket): Link[] {
  return socket
    .dump(getLinksRequest(), 'ip -d link show')
    .map(parseLink)
    .filter((link): link is Link => link !== undefined);
}

/** Links, ingress qdiscs and their filters of the socket's namespace. */
export function readSnapshot(socket: RouteSocket): NamespaceSnapshot {
  const links = readLinks(socket);
  const names = new Map(links.map((link) => [link.index, link.name]));
  const hooks = new Map<string, IngressHook>();
  for (const message of socket.dump(getQdiscsRequest(), 'tc -d qdisc show')) {
    const qdisc = parseQdisc(message);
    // Both qdiscs sit at TC_H_INGRESS (TC_H_CLSACT is the same handle).
    if (!qdisc || qdisc.parent !== TC_H_INGRESS) continue;
    if (qdisc.kind !== 'ingress' && qdisc.kind !== 'clsact') continue;
    const name = names.get(qdisc.ifindex);
    if (name === undefined) continue; // a device born after the link dump: the next read sees it
    const operation = `tc filter show dev ${name} ingress`;
    const filters = socket
      .dump(getFiltersRequest(qdisc.ifindex), operation)
      .map((filter) => parseFilter(filter, names))
      .filter((filter) => filter !== undefined);
    hooks.set(name, { qdisc: qdisc.kind, qdiscMark: qdisc.mpu, filters });
  }
  return { netns: socket.netns, links, hooks };
}
