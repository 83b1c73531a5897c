// The attachment lock's abstract unix socket, bound through libc at exactly the address Node's
// net.Server binds for the same name, so the Bun-compiled and the Node.js plugin exclude each
// other (Bun's own net module binds the name's length only: a different abstract address).
import { libc, SysError } from '../../native/libc.js';
import { utf8, LITTLE_ENDIAN } from './wire.js';

/** socket(2) constants (linux/socket.h, linux/net.h). */
const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
/** sizeof(sun_path) in struct sockaddr_un (linux/un.h: UNIX_PATH_MAX). */
const UNIX_PATH_MAX = 108;
/** sizeof(struct sockaddr_un): sa_family_t sun_family (u16), char sun_path[108]. */
const SOCKADDR_UN_LEN = 2 + UNIX_PATH_MAX;

/** A bound name, held until close() (or the process's death, even by SIGKILL). */
export interface AbstractSocket {
  close(): void;
}

/**
 * struct sockaddr_un for an abstract `name` ("\0..." as Node takes it) the way libuv binds it
 * for Node: sun_path is the name's bytes NUL-padded to all 108, and addrlen is the whole
 * struct (110). The kernel keys abstract names on addrlen's bytes, so "\0x" bound with
 * addrlen 4 (Bun) and with 110 (Node) are two different names.
 */
export function nodeAbstractAddress(name: string): Uint8Array {
  const path = utf8(name);
  if (path[0] !== 0) throw new Error(`not an abstract socket name (no leading NUL): ${name}`);
  if (path.length > UNIX_PATH_MAX) {
    throw new Error(`abstract socket name longer than ${UNIX_PATH_MAX} bytes: ${name.slice(1)}`);
  }
  const address = new Uint8Array(SOCKADDR_UN_LEN);
  new DataView(address.buffer).setUint16(0, AF_UNIX, LITTLE_ENDIAN); // sa_family_t: host order
  address.set(path, 2);
  return address;
}

/**
 * Binds an AF_UNIX stream socket (close-on-exec: a VMM or nsenter never inherits the lock) to
 * `name` in this thread's network namespace. Undefined when the name is taken (EADDRINUSE);
 * throws SysError on any other failure. It is bound, not listening: nobody connects to a lock.
 */
export function bindAbstract(name: string): AbstractSocket | undefined {
  const address = nodeAbstractAddress(name);
  const c = libc();
  let fd = c.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  try {
    c.bind(fd, address, `bind(@${name.slice(1)})`);
  } catch (error) {
    c.close(fd);
    if (error instanceof SysError && error.code === 'EADDRINUSE') return undefined;
    throw error;
  }
  return {
    close() {
      if (fd < 0) return;
      const held = fd;
      fd = -1;
      c.close(held);
    },
  };
}

/**
 * bindAbstract as src/plugin/attachment-lock.ts's LockBinder (a promise of the held lock):
 * the binder the Bun-compiled executable gives withAttachmentLock.
 */
export const abstractLockBinder = async (name: string): Promise<AbstractSocket | undefined> =>
  bindAbstract(name);
