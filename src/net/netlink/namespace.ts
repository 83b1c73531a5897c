// Entering network namespaces from the JS thread: setns(2) there and back around a piece of
// synchronous work, so sockets and tun fds are created in the pod's namespace while the
// process (and every other thread) stays where it is.
import type { NetnsStatus } from '../netns.js';
import { libc, SysError } from '../../native/libc.js';

/** CLONE_NEWNET (linux/sched.h): setns/unshare of the network namespace only. */
const CLONE_NEWNET = 0x40000000;
const O_RDONLY = 0;
const O_CLOEXEC = 0o2000000;

/** This thread's namespace when first asked: where every piece of work returns to. */
let home: number | undefined;

function homeFd(): number {
  // thread-self, not self: setns changes the calling thread only (the JS thread here), and
  // /proc/self/ns/net is the main thread's, which need not be the same one.
  home ??= libc().open('/proc/thread-self/ns/net', O_RDONLY | O_CLOEXEC);
  return home;
}

/** Back to the home namespace. A failure here would leave the JS thread elsewhere: fatal. */
function returnHome(): void {
  try {
    libc().setns(homeFd(), CLONE_NEWNET, 'setns(home)');
  } catch (error) {
    throw new Error(`cannot return to the original network namespace: ${String(error)}`);
  }
}

/** An open network namespace: work can be run in it, any number of times, until close(). */
export class NamespaceHandle {
  private constructor(
    /** The path it was opened by ("(new)" for a fresh one). */
    readonly path: string,
    private fd: number,
  ) {}

  /** Opens the namespace at `path` (a CNI_NETNS). Throws SysError (ENOENT when it is gone). */
  static open(path: string): NamespaceHandle {
    homeFd();
    return new NamespaceHandle(path, libc().open(path, O_RDONLY | O_CLOEXEC));
  }

  /**
   * A new, empty namespace that nothing but this handle (and whatever is created in it) refers
   * to: unshare(CLONE_NEWNET) on this thread, keep an fd of it, and go back home. It is freed
   * when the handle and every socket or tun fd made in it are closed, or the process dies.
   */
  static fresh(): NamespaceHandle {
    const c = libc();
    homeFd();
    c.unshare(CLONE_NEWNET);
    let fd: number;
    try {
      fd = c.open('/proc/thread-self/ns/net', O_RDONLY | O_CLOEXEC);
    } finally {
      returnHome();
    }
    return new NamespaceHandle('(new)', fd);
  }

  /** Runs `work` with this thread in the namespace, and returns home before anything else. */
  run<T>(work: () => T): T {
    if (this.fd < 0) throw new Error(`namespace ${this.path} is closed`);
    libc().setns(this.fd, CLONE_NEWNET, `setns(${this.path})`);
    try {
      return work();
    } finally {
      returnHome();
    }
  }

  close(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    libc().close(fd);
  }
}

/** NS_GET_NSTYPE (linux/nsfs.h, _IO(0xb7, 0x3)): the type of the namespace an nsfs fd is. */
const NS_GET_NSTYPE = 0xb703;

/**
 * What `path` refers to (see netns.ts, the same question through node:fs), with three calls on
 * one fd and no module loaded for it: open it, ask nsfs its namespace type (any other file
 * answers ENOTTY), and compare it with our own namespace.
 */
export function namespaceStatus(path: string): NetnsStatus {
  const c = libc();
  let fd: number;
  try {
    fd = c.open(path, O_RDONLY | O_CLOEXEC);
  } catch (error) {
    const code = error instanceof SysError ? error.code : '';
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'unreadable';
  }
  try {
    let type: number;
    try {
      type = c.ioctl(fd, NS_GET_NSTYPE, 0, 'ioctl(NS_GET_NSTYPE)');
    } catch {
      return 'not-a-namespace';
    }
    if (type !== CLONE_NEWNET) return 'not-a-namespace';
    const it = c.fstat(fd, `fstat(${path})`);
    const own = c.fstat(homeFd(), 'fstat(home)');
    return it.dev === own.dev && it.ino === own.ino ? 'own' : 'namespace';
  } finally {
    c.close(fd);
  }
}
