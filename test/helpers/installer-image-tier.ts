// Whether the installer image tier can run here: root and a working podman. Apart from
// installer-image.ts so that its users (containerd.ts, hence every CRI file) do not pay for the
// probe at import, nor fail on it under CI=true when they never run podman.
import { execaSync } from 'execa';
import { tierVerdict } from './tier-verdict.js';

function probe(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root';
  // Synchronous: the verdict is needed at import time, before any test is declared.
  const info = execaSync('podman', ['info', '--format', '{{.Host.OCIRuntime.Name}}'], {
    reject: false,
  });
  return info.exitCode === 0
    ? undefined
    : `podman does not work here: ${info.stderr || info.message}`;
}

/** Why podman cannot be used here (never set under CI=true). */
export const noPodman = tierVerdict('installer image', probe());
