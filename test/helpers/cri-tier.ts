// Whether the CRI tier can run here: real namespaces, containerd with runc, Debian's CNI
// plugins and a static busybox for the pause image. Under CI=true a tier that cannot run fails
// instead of being skipped, as for the other tiers.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { BUSYBOX } from './cri-pause-image.js';
import { REFERENCE_PLUGINS } from './libcni.js';
import { noNetns } from './tier.js';
import { tierVerdict } from './tier-verdict.js';

function probe(): string | undefined {
  if (noNetns) return 'real network namespaces are unavailable';
  const tools: [string, string][] = [
    ['containerd', '--version'],
    ['ctr', '--version'],
    ['containerd-shim-runc-v2', '-v'],
    ['runc', '--version'],
  ];
  for (const [tool, flag] of tools) {
    try {
      execFileSync(tool, [flag], { stdio: 'pipe' });
    } catch {
      return `${tool} is not installed (scripts/install-deps.sh installs containerd)`;
    }
  }
  for (const file of [
    BUSYBOX,
    ...['loopback', 'ptp', 'host-local'].map((p) => `${REFERENCE_PLUGINS}/${p}`),
  ]) {
    if (!existsSync(file)) return `${file} is missing (scripts/install-deps.sh installs it)`;
  }
  return undefined;
}

/** True when containerd's CRI cannot be driven here (never true under CI=true). */
export const noCri = tierVerdict('CRI', probe()) !== undefined;
