// The tun/tap character device (linux/if_tun.h): a new tap attached to an fd of /dev/net/tun,
// its owner and group, and the persist flag that lets it outlive the fd.
import { libc } from '../../native/libc.js';
import { utf8, LITTLE_ENDIAN } from './wire.js';

/** TUNSETIFF flags (linux/if_tun.h). */
export const IFF_TAP = 0x0002;
export const IFF_MULTI_QUEUE = 0x0100;
export const IFF_NO_PI = 0x1000;
export const IFF_VNET_HDR = 0x4000;
/** Create, never attach: fail with EBUSY when a device of that name exists. */
export const IFF_TUN_EXCL = 0x8000;

/** _IOW('T', 202..206, int) (asm-generic/ioctl.h: dir 1 << 30, size 4 << 16, 'T' << 8, nr). */
export const TUNSETIFF = 0x400454ca;
export const TUNSETPERSIST = 0x400454cb;
export const TUNSETOWNER = 0x400454cc;
export const TUNSETGROUP = 0x400454ce;

/** IFNAMSIZ (linux/if.h), the size of ifr_name including its NUL. */
export const IFNAMSIZ = 16;
/** sizeof(struct ifreq) on 64-bit Linux: ifr_name[16] and a 24-byte union (ifr_flags first). */
const IFREQ_LEN = 40;

/** open(2) flags (asm-generic/fcntl.h). */
const O_RDWR = 0o2;
const O_CLOEXEC = 0o2000000;

/** What a new tap is made with (the create-tap change's tun fields). */
export interface TapSpec {
  name: string;
  owner: number | undefined;
  group: number | undefined;
  vnetHdr: boolean;
  multiQueue: boolean;
}

/** struct ifreq for TUNSETIFF: the name, NUL-padded, and ifr_flags (host order short). */
export function tunIfreq(name: string, flags: number): Uint8Array {
  const bytes = utf8(name);
  if (bytes.length === 0 || bytes.length >= IFNAMSIZ || bytes.includes(0)) {
    throw new Error(`not a device name (1 to ${IFNAMSIZ - 1} bytes): ${JSON.stringify(name)}`);
  }
  const ifreq = new Uint8Array(IFREQ_LEN);
  ifreq.set(bytes);
  new DataView(ifreq.buffer).setUint16(IFNAMSIZ, flags, LITTLE_ENDIAN);
  return ifreq;
}

/** TUNSETIFF's flags for a tap: no packet info; vnet_hdr and multi_queue as asked; exclusive. */
export function tapFlags(spec: Pick<TapSpec, 'vnetHdr' | 'multiQueue'>): number {
  return (
    IFF_TAP |
    IFF_NO_PI |
    IFF_TUN_EXCL |
    (spec.vnetHdr ? IFF_VNET_HDR : 0) |
    (spec.multiQueue ? IFF_MULTI_QUEUE : 0)
  );
}

/**
 * Opens /dev/net/tun. Call it on the thread that is in the target namespace: tun creates the
 * device in the namespace of the fd's opener (tun_chr_open takes current's net), whatever
 * namespace the later ioctls run in.
 */
export function openTun(): number {
  // Spelled here, not imported from host.ts (TUN_DEVICE): host.ts loads node:fs and node:os,
  // which every ADD, CHECK and DEL would then load too (~1 ms, +1.4 MiB: measured).
  return libc().open('/dev/net/tun', O_RDWR | O_CLOEXEC);
}

/**
 * Creates the tap `spec.name` attached to `fd` (not persistent yet: it vanishes with the fd)
 * and sets its owner and group. Throws SysError; EBUSY means a device of that name exists.
 */
export function createTap(fd: number, spec: TapSpec): void {
  const c = libc();
  c.ioctl(fd, TUNSETIFF, tunIfreq(spec.name, tapFlags(spec)), 'ioctl(TUNSETIFF)');
  if (spec.owner !== undefined) c.ioctl(fd, TUNSETOWNER, spec.owner, 'ioctl(TUNSETOWNER)');
  if (spec.group !== undefined) c.ioctl(fd, TUNSETGROUP, spec.group, 'ioctl(TUNSETGROUP)');
}

/** TUNSETPERSIST(1): the tap attached to `fd` now outlives it. */
export function persistTap(fd: number): void {
  libc().ioctl(fd, TUNSETPERSIST, 1, 'ioctl(TUNSETPERSIST)');
}
