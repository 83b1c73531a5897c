// The tiny test guest (cloud kernel + busybox initramfs), built once and cached by
// test/vm/build-guest.sh.
import { fileURLToPath } from 'node:url';
import { sh } from './sh.js';

const BUILD_SCRIPT = fileURLToPath(new URL('../vm/build-guest.sh', import.meta.url));

/** Kernel and initramfs of the test guest. */
export interface GuestImage {
  vmlinuz: string;
  initrd: string;
}

let built: Promise<GuestImage> | undefined;

/**
 * Builds the guest (a cache hit costs ~0.3 s; the script serialises concurrent builds with a
 * lock) and returns its paths, read from the script's `URUNC_TAP_GUEST_*=` lines.
 */
export function buildGuest(): Promise<GuestImage> {
  built ??= sh('bash', [BUILD_SCRIPT]).then((stdout) => {
    const value = (name: string): string => {
      const found = new RegExp(`^URUNC_TAP_GUEST_${name}=(.+)$`, 'm').exec(stdout)?.[1];
      if (!found) throw new Error(`build-guest.sh printed no URUNC_TAP_GUEST_${name}=:\n${stdout}`);
      return found;
    };
    return { vmlinuz: value('VMLINUZ'), initrd: value('INITRD') };
  });
  return built;
}
