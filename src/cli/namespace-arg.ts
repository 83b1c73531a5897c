// The --netns argument: a namespace path, or a name under /run/netns.
import { NAMED_NETNS_DIR } from '../net/namespaces.js';
import { netnsStatus } from '../net/netns.js';
import { CommandError } from './command-error.js';

/**
 * The namespace path for `value`: a path as given (`/run/netns/NAME`, `/proc/PID/ns/net`), or
 * a bare name as `ip netns` shows it. Refuses anything that is not a network namespace.
 */
export function namespacePath(value: string): string {
  const path = value.includes('/') ? value : `${NAMED_NETNS_DIR}/${value}`;
  const status = netnsStatus(path);
  if (status === 'missing') throw new CommandError(`no network namespace at ${path}`);
  if (status === 'not-a-namespace') throw new CommandError(`${path} is not a network namespace`);
  return path;
}
