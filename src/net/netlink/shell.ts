// The shell equivalent of each change (src/net/changes.ts), the `operation` of its NetError:
// an operator can replay it with `ip -n NS ...` / `tc -n NS ...`.
import type { Change } from '../changes.js';
import { formatHandle } from '../model.js';

/** The commands `change` stands for, in order (create-tap is two: tuntap add, link set). */
export function shellCommands(change: Change): string[] {
  switch (change.op) {
    case 'create-tap': {
      const tuntap = ['ip', 'tuntap', 'add', 'dev', change.name, 'mode', 'tap'];
      if (change.owner !== undefined) tuntap.push('user', String(change.owner));
      if (change.group !== undefined) tuntap.push('group', String(change.group));
      if (change.vnetHdr) tuntap.push('vnet_hdr');
      if (change.multiQueue) tuntap.push('multi_queue');
      const set = ['ip', 'link', 'set', 'dev', change.name, 'mtu', String(change.mtu)];
      set.push('address', change.mac, 'alias', change.alias, 'up');
      return [render(tuntap), render(set)];
    }
    case 'set-link':
      return [render(['ip', 'link', 'set', 'dev', change.name, 'mtu', String(change.mtu), 'up'])];
    case 'delete-link':
      return [render(['ip', 'link', 'del', 'dev', change.name])];
    case 'add-ingress-qdisc':
      return [
        render(
          ['tc', 'qdisc', 'add', 'dev', change.dev, 'handle', 'ffff:', 'stab', 'mpu'].concat(
            String(change.mark),
            'ingress',
          ),
        ),
      ];
    case 'delete-ingress-qdisc':
      return [render(['tc', 'qdisc', 'del', 'dev', change.dev, 'ingress'])];
    case 'add-redirect':
      return [
        render([
          ...filterHead('add', change.dev, change.pref),
          ...['protocol', 'all', 'u32', 'match', 'u32', '0', '0'],
          ...[
            'action',
            'mirred',
            'egress',
            'redirect',
            'dev',
            change.target,
            'cookie',
            change.cookie,
          ],
        ]),
      ];
    case 'delete-filter':
      return [
        render([
          ...filterHead('del', change.dev, change.pref),
          ...['handle', formatHandle(change.kind, change.handle), change.kind],
        ]),
      ];
    case 'delete-priority':
      return [render([...filterHead('del', change.dev, change.pref), change.kind])];
  }
}

function filterHead(verb: 'add' | 'del', dev: string, pref: number): string[] {
  return ['tc', 'filter', verb, 'dev', dev, 'ingress', 'pref', String(pref)];
}

/** Joins words for a POSIX shell, single-quoting those that need it. */
export function render(words: string[]): string {
  return words
    .map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`))
    .join(' ');
}
