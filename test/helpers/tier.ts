// Whether the real-namespace tier can run here. Under CI=true a tier that cannot run fails
// instead of being skipped: a skipped tier is no evidence.
import { execFileSync } from 'node:child_process';
import { tierVerdict } from './tier-verdict.js';

function probe(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root';
  const name = `urunc-tap-probe-${process.pid}`;
  try {
    execFileSync('ip', ['netns', 'add', name], { stdio: 'pipe' });
    execFileSync('ip', ['netns', 'del', name], { stdio: 'pipe' });
  } catch (error) {
    return `cannot create a network namespace: ${(error as Error).message}`;
  }
  return undefined;
}

/** True when real namespaces cannot be used here (never true under CI=true). */
export const noNetns = tierVerdict('real-namespace', probe()) !== undefined;
