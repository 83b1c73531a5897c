// Whether the real-VMM tier can run here: real namespaces, /dev/net/tun and qemu. Under CI=true
// a tier that cannot run fails instead of being skipped, as for the real-namespace tier.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { noNetns } from './tier.js';
import { tierVerdict } from './tier-verdict.js';

function probe(): string | undefined {
  if (noNetns) return 'real network namespaces are unavailable';
  if (!existsSync('/dev/net/tun')) return 'there is no /dev/net/tun';
  try {
    execFileSync('qemu-system-x86_64', ['--version'], { stdio: 'pipe' });
  } catch {
    return 'qemu-system-x86_64 is not installed (scripts/install-deps.sh installs it)';
  }
  return undefined;
}

/** True when a real VMM cannot run here (never true under CI=true). */
export const noVm = tierVerdict('real-VMM', probe()) !== undefined;
