// The only door to native code: the few libc calls the executable needs (its standard streams,
// rtnetlink, tun), bound through Bun's FFI at first use, each failing with a SysError that names
// the call and its errno.
import type { PointerArgument } from 'bun:ffi';

/** A libc call that returned -1: which call, and errno by number, name and text. */
export class SysError extends Error {
  /** The call as a reader names it: "setns(/run/netns/x)", "ioctl(TUNSETIFF)", ... */
  readonly call: string;
  readonly errno: number;
  /** errno's name ("EEXIST"), or "E<number>" for codes this file does not name. */
  readonly code: string;

  constructor(call: string, errno: number, text: string) {
    super(`${call}: ${errnoName(errno)} (${text})`);
    this.name = 'SysError';
    this.call = call;
    this.errno = errno;
    this.code = errnoName(errno);
  }
}

/** libc cannot be bound here: not running under Bun (the Node.js entry uses iproute2). */
export class LibcUnavailable extends Error {
  override readonly name = 'LibcUnavailable';
}

/** errno numbers of asm-generic/errno-base.h and errno.h that these calls can meet. */
const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM',
  2: 'ENOENT',
  3: 'ESRCH',
  4: 'EINTR',
  5: 'EIO',
  6: 'ENXIO',
  9: 'EBADF',
  11: 'EAGAIN',
  12: 'ENOMEM',
  13: 'EACCES',
  14: 'EFAULT',
  16: 'EBUSY',
  17: 'EEXIST',
  19: 'ENODEV',
  20: 'ENOTDIR',
  22: 'EINVAL',
  23: 'ENFILE',
  24: 'EMFILE',
  25: 'ENOTTY',
  28: 'ENOSPC',
  32: 'EPIPE',
  34: 'ERANGE',
  36: 'ENAMETOOLONG',
  38: 'ENOSYS',
  61: 'ENODATA',
  71: 'EPROTO',
  75: 'EOVERFLOW',
  90: 'EMSGSIZE',
  93: 'EPROTONOSUPPORT',
  95: 'EOPNOTSUPP',
  97: 'EAFNOSUPPORT',
  98: 'EADDRINUSE',
  99: 'EADDRNOTAVAIL',
  105: 'ENOBUFS',
  110: 'ETIMEDOUT',
  // include/linux/errno.h: kernel-internal, but tc lets it reach user space (no offload).
  524: 'ENOTSUPP',
};

/** The name of an errno number ("E<n>" when unnamed here). */
export function errnoName(errno: number): string {
  return ERRNO_NAMES[errno] ?? `E${errno}`;
}

/** Raw signatures of the bound symbols (man 2 pages; every pointer is a typed array). */
interface Symbols {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, address: PointerArgument, length: number): number;
  setsockopt(
    fd: number,
    level: number,
    name: number,
    value: PointerArgument,
    length: number,
  ): number;
  send(fd: number, buffer: PointerArgument, length: number, flags: number): number;
  recv(fd: number, buffer: PointerArgument, length: number, flags: number): number;
  read(fd: number, buffer: PointerArgument, length: number): number;
  write(fd: number, buffer: PointerArgument, length: number): number;
  close(fd: number): number;
  open(path: PointerArgument, flags: number): number;
  ioctl(fd: number, request: number, argument: PointerArgument): number;
  fstat(fd: number, buffer: PointerArgument): number;
  setns(fd: number, nstype: number): number;
  unshare(flags: number): number;
  __errno_location(): number;
  strerror(errno: number): string;
}

/** The calls, as JS: each returns what the C call returns, or throws SysError on -1. */
export interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, address: Uint8Array, call?: string): void;
  setsockopt(fd: number, level: number, name: number, value: Uint8Array, call: string): void;
  /** Sends all of `buffer` (one datagram); returns the bytes sent. */
  send(fd: number, buffer: Uint8Array, flags: number): number;
  /** Receives one datagram into `buffer`; with MSG_TRUNC, returns its full length. */
  recv(fd: number, buffer: Uint8Array, flags: number): number;
  /** read(2) into `buffer`; returns the bytes read (0 at the end of the file). */
  read(fd: number, buffer: Uint8Array): number;
  /** write(2) of `buffer`; returns the bytes written (maybe fewer: the caller writes the rest). */
  write(fd: number, buffer: Uint8Array): number;
  close(fd: number): void;
  open(path: string, flags: number): number;
  /** ioctl with a pointer (a typed array the kernel reads or fills) or an integer argument. */
  ioctl(fd: number, request: number, argument: Uint8Array | number, call: string): number;
  /** fstat(2): the device and inode of what `fd` refers to (struct stat's first two fields). */
  fstat(fd: number, call: string): { dev: bigint; ino: bigint };
  setns(fd: number, nstype: number, call: string): void;
  unshare(flags: number): void;
  /** strerror(3): "No such device", ... */
  strerror(errno: number): string;
}

/** The part of Bun's FFI that libc() uses (declared in src/bun-globals.d.ts). */
type Ffi = NonNullable<NonNullable<typeof Bun>['FFI']>;

let loaded: Libc | undefined;

/**
 * libc, bound on first use, through `Bun.FFI`: the native half of `bun:ffi`, which Bun exposes
 * without its module (the module's dlopen only normalizes a file URL and calls that one).
 * Measured in the compiled executable: taking `Bun.FFI` costs ~0.05 ms, importing the module
 * ~0.25 ms and ~80 KiB more of JavaScript heap, requiring it ~1 ms; the dlopen itself ~0.2 ms
 * (Bun compiles one trampoline per symbol). Without `Bun.FFI` (under Node, or a Bun without it)
 * `bun:ffi` is required at run time, never imported, so that every module of the netlink
 * backend can be imported (and its pure parts tested) under Node and bundlers never resolve a
 * `bun:` specifier; under Node that fails with LibcUnavailable. node:module is taken only then
 * (process.getBuiltinModule): the executable's VERSION loads this file.
 */
export function libc(): Libc {
  if (loaded) return loaded;
  let ffi: Ffi;
  try {
    ffi =
      (typeof Bun !== 'undefined' ? Bun.FFI : undefined) ??
      (process.getBuiltinModule('node:module').createRequire(import.meta.url)('bun:ffi') as Ffi);
  } catch (error) {
    throw new LibcUnavailable(
      `the netlink backend needs Bun's FFI (bun:ffi): ${(error as Error).message}`,
    );
  }
  const lib = ffi.dlopen<Symbols>('libc.so.6', {
    socket: { args: ['i32', 'i32', 'i32'], returns: 'i32' },
    bind: { args: ['i32', 'ptr', 'u32'], returns: 'i32' },
    setsockopt: { args: ['i32', 'i32', 'i32', 'ptr', 'u32'], returns: 'i32' },
    // ssize_t: i64_fast gives a JS number (a bigint only beyond 2^53, never for a datagram).
    send: { args: ['i32', 'ptr', 'usize', 'i32'], returns: 'i64_fast' },
    recv: { args: ['i32', 'ptr', 'usize', 'i32'], returns: 'i64_fast' },
    read: { args: ['i32', 'ptr', 'usize'], returns: 'i64_fast' },
    write: { args: ['i32', 'ptr', 'usize'], returns: 'i64_fast' },
    close: { args: ['i32'], returns: 'i32' },
    open: { args: ['ptr', 'i32'], returns: 'i32' },
    // The third argument is a pointer or an integer (TUNSETPERSIST takes the value itself).
    ioctl: { args: ['i32', 'u64', 'ptr'], returns: 'i32' },
    fstat: { args: ['i32', 'ptr'], returns: 'i32' },
    setns: { args: ['i32', 'i32'], returns: 'i32' },
    unshare: { args: ['i32'], returns: 'i32' },
    __errno_location: { args: [], returns: 'ptr' },
    strerror: { args: ['i32'], returns: 'cstring' },
  });
  // Bun.FFI's dlopen returns its error (the module's throws it).
  if (lib instanceof Error) throw lib;
  const c = lib.symbols;
  // errno is thread-local; every call runs on the JS thread, so its address never changes.
  const errnoAddress = c.__errno_location();
  const fail = (call: string): never => {
    const errno = ffi.read.i32(errnoAddress, 0);
    throw new SysError(call, errno, String(c.strerror(errno)));
  };
  const check = (rc: number, call: string): number => (rc < 0 ? fail(call) : rc);
  // A blocking call cut short by a signal (Bun's own, say) fails with EINTR even under
  // SA_RESTART when the socket has a timeout (socket(7)): those are simply made again.
  const retrying = (make: () => number, call: string): number => {
    for (;;) {
      const rc = make();
      if (rc >= 0) return rc;
      if (ffi.read.i32(errnoAddress, 0) !== 4) return fail(call);
    }
  };
  loaded = {
    socket: (domain, type, protocol) => check(c.socket(domain, type, protocol), 'socket'),
    bind: (fd, address, call = 'bind') => void check(c.bind(fd, address, address.length), call),
    setsockopt: (fd, level, name, value, call) =>
      void check(c.setsockopt(fd, level, name, value, value.length), call),
    send: (fd, buffer, flags) => retrying(() => c.send(fd, buffer, buffer.length, flags), 'send'),
    recv: (fd, buffer, flags) => retrying(() => c.recv(fd, buffer, buffer.length, flags), 'recv'),
    read: (fd, buffer) => retrying(() => c.read(fd, buffer, buffer.length), `read(${fd})`),
    write: (fd, buffer) => retrying(() => c.write(fd, buffer, buffer.length), `write(${fd})`),
    close: (fd) => void check(c.close(fd), 'close'),
    open: (path, flags) => {
      const bytes = new TextEncoder().encode(`${path}\0`);
      return retrying(() => c.open(bytes, flags), `open(${path})`);
    },
    ioctl: (fd, request, argument, call) => check(c.ioctl(fd, request, argument), call),
    fstat: (fd, call) => {
      // struct stat (x86_64 asm/stat.h) is 144 bytes; st_dev and st_ino are its first u64s.
      const buffer = new BigUint64Array(18);
      check(c.fstat(fd, buffer), call);
      return { dev: buffer[0]!, ino: buffer[1]! };
    },
    setns: (fd, nstype, call) => void check(c.setns(fd, nstype), call),
    unshare: (flags) => void check(c.unshare(flags), 'unshare'),
    strerror: (errno) => String(c.strerror(errno)),
  };
  return loaded;
}
