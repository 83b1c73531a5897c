// A NETLINK_ROUTE socket: requests with acks, one-reply queries and multi-part dumps, matched
// by sequence number, every failure a NetError naming the request's shell equivalent.
import { NetError } from '../errors.js';
import { errnoName, libc, SysError } from '../../native/libc.js';
import {
  parseDone,
  parseError,
  parseMessages,
  setSequence,
  AF_NETLINK,
  NETLINK_CAP_ACK,
  NETLINK_EXT_ACK,
  NETLINK_ROUTE,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_NOOP,
  NLMSG_OVERRUN,
  NLM_F_DUMP_INTR,
  SOL_NETLINK,
  type ErrorReply,
  type NetlinkMessage,
} from './wire.js';

/** socket(2) and setsockopt(2) constants (asm-generic/socket.h, linux/net.h). */
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_RCVTIMEO = 20; // SO_RCVTIMEO_OLD: struct timeval of 64-bit longs
/** recv(2): return a datagram's real length even when it did not fit. */
const MSG_TRUNC = 0x20;
/** Bigger than any datagram the kernel builds for a dump (at most 32 KiB per part). */
const RECEIVE_BUFFER = 64 * 1024;
/** A dump whose objects changed while it ran is done again, this many times at most. */
const DUMP_ATTEMPTS = 3;

/**
 * What a request is reported as when it fails: its shell equivalent, or a function making it
 * (rendering costs ~0.2 ms per call in a cold process, so it is done only for a failure).
 */
export type Operation = string | (() => string);

/** The text of an operation. */
export const named = (operation: Operation): string =>
  typeof operation === 'string' ? operation : operation();

/** One request of a batch: its bytes and the shell equivalent its failure is reported as. */
export interface Request {
  bytes: Uint8Array;
  operation: Operation;
}

/**
 * A NETLINK_ROUTE socket of the namespace it was opened in (open it inside NamespaceHandle.run:
 * a socket stays in its namespace wherever the thread goes). Replies are awaited with
 * SO_RCVTIMEO = timeoutMs, so a kernel that does not answer ends in a NetError with timedOut.
 * A request blocked on the rtnl mutex inside send(2) cannot be cut short from this thread.
 */
export class RouteSocket {
  private fd: number;
  private seq = Math.floor(Math.random() * 0x7fffffff);
  private readonly buffer = new Uint8Array(RECEIVE_BUFFER);
  /** Set after a timeout: a late answer could be taken for the next one's. */
  private broken = false;

  /** Opens a socket in the calling thread's namespace. `netns` names it in errors. */
  constructor(
    readonly netns: string,
    private readonly timeoutMs: number,
  ) {
    const c = libc();
    this.fd = this.sys('socket(AF_NETLINK, NETLINK_ROUTE)', () =>
      c.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE),
    );
    try {
      const one = int32(1);
      // Errors echo only the request's header (ours can be 1 KiB: a size table), and carry
      // the kernel's own message ("Exclusivity flag on, cannot modify") when it has one.
      c.setsockopt(this.fd, SOL_NETLINK, NETLINK_CAP_ACK, one, 'setsockopt(NETLINK_CAP_ACK)');
      c.setsockopt(this.fd, SOL_NETLINK, NETLINK_EXT_ACK, one, 'setsockopt(NETLINK_EXT_ACK)');
      if (timeoutMs > 0) {
        // struct timeval { long tv_sec; long tv_usec; } (64-bit longs on 64-bit Linux).
        const usec = Math.ceil(timeoutMs * 1000);
        const timeval = new BigInt64Array([BigInt(Math.floor(usec / 1e6)), BigInt(usec % 1e6)]);
        c.setsockopt(
          this.fd,
          SOL_SOCKET,
          SO_RCVTIMEO,
          new Uint8Array(timeval.buffer),
          'setsockopt(SO_RCVTIMEO)',
        );
      }
    } catch (error) {
      c.close(this.fd);
      throw this.failure('socket(AF_NETLINK, NETLINK_ROUTE)', error);
    }
  }

  /** Sends one request that the kernel acknowledges (NLM_F_ACK); throws its NetError. */
  request(bytes: Uint8Array, operation: Operation): void {
    const error = this.requestAll([{ bytes, operation }])[0];
    if (error) throw error;
  }

  /**
   * Sends several acknowledged requests in one datagram and waits for every ack. The kernel
   * carries on after a failed one (netlink_rcv_skb), so each gets its own result, in order.
   */
  requestAll(requests: Request[]): Array<NetError | undefined> {
    const seqs = requests.map((request) => this.number(request.bytes));
    this.send(concat(requests.map((request) => request.bytes)), requests[0]!.operation);
    const results = new Map<number, NetError | undefined>();
    while (results.size < requests.length) {
      const waiting = requests.find((_, index) => !results.has(index))!;
      for (const message of this.receive(waiting.operation)) {
        const index = seqs.indexOf(message.seq);
        if (index < 0 || message.type !== NLMSG_ERROR) continue; // stale or unasked for
        const reply = parseError(message);
        results.set(
          index,
          reply.errno ? this.kernelError(requests[index]!.operation, reply) : undefined,
        );
      }
    }
    return requests.map((_, index) => results.get(index));
  }

  /** A GET of one object (no dump): its one reply message. */
  query(bytes: Uint8Array, operation: Operation): NetlinkMessage {
    const seq = this.number(bytes);
    this.send(bytes, operation);
    for (;;) {
      for (const message of this.receive(operation)) {
        if (message.seq !== seq) continue;
        if (message.type !== NLMSG_ERROR) return message;
        const reply = parseError(message);
        if (reply.errno) throw this.kernelError(operation, reply);
      }
    }
  }

  /** A dump (NLM_F_DUMP): every message up to NLMSG_DONE, done again if it was interrupted. */
  dump(bytes: Uint8Array, operation: Operation): NetlinkMessage[] {
    for (let attempt = 1; ; attempt++) {
      const { messages, interrupted } = this.dumpOnce(bytes, operation);
      if (!interrupted) return messages;
      if (attempt >= DUMP_ATTEMPTS) {
        throw new NetError({
          operation: named(operation),
          netns: this.netns,
          errno: 'EAGAIN',
          detail: `the dump was interrupted by changes ${attempt} times (NLM_F_DUMP_INTR)`,
        });
      }
    }
  }

  private dumpOnce(bytes: Uint8Array, operation: Operation) {
    const seq = this.number(bytes);
    this.send(bytes, operation);
    const messages: NetlinkMessage[] = [];
    let interrupted = false;
    for (;;) {
      for (const message of this.receive(operation)) {
        if (message.seq !== seq) continue;
        if (message.flags & NLM_F_DUMP_INTR) interrupted = true;
        if (message.type === NLMSG_DONE || message.type === NLMSG_ERROR) {
          const reply = message.type === NLMSG_DONE ? parseDone(message) : parseError(message);
          if (reply.errno) throw this.kernelError(operation, reply);
          return { messages, interrupted };
        }
        if (message.type === NLMSG_OVERRUN) {
          throw new NetError({
            operation: named(operation),
            netns: this.netns,
            errno: 'ENOBUFS',
            detail: 'NLMSG_OVERRUN',
          });
        }
        if (message.type !== NLMSG_NOOP) messages.push(message);
      }
    }
  }

  close(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    libc().close(fd);
  }

  /** Gives a request the next sequence number. */
  private number(bytes: Uint8Array): number {
    this.seq = (this.seq + 1) >>> 0;
    setSequence(bytes, this.seq);
    return this.seq;
  }

  private send(bytes: Uint8Array, operation: Operation): void {
    if (this.fd < 0 || this.broken) {
      throw new NetError({
        operation: named(operation),
        netns: this.netns,
        detail: 'the netlink socket is closed',
      });
    }
    const sent = this.sys(operation, () => libc().send(this.fd, bytes, 0));
    if (sent !== bytes.length) {
      throw new NetError({
        operation: named(operation),
        netns: this.netns,
        detail: `sent ${sent} of ${bytes.length} bytes`,
      });
    }
  }

  /** One datagram's messages (copied: the buffer is reused). */
  private receive(operation: Operation): NetlinkMessage[] {
    const length = this.sys(operation, () => libc().recv(this.fd, this.buffer, MSG_TRUNC));
    if (length > this.buffer.length) {
      throw new NetError({
        operation: named(operation),
        netns: this.netns,
        errno: 'EMSGSIZE',
        detail: `a ${length}-byte reply was truncated`,
      });
    }
    return parseMessages(this.buffer.slice(0, length));
  }

  /** Runs a libc call; its SysError becomes this socket's NetError (EAGAIN: the timeout). */
  private sys(operation: Operation, call: () => number): number {
    try {
      return call();
    } catch (error) {
      throw this.failure(operation, error);
    }
  }

  private failure(operation: Operation, error: unknown): unknown {
    if (!(error instanceof SysError)) return error;
    if (error.code === 'EAGAIN') {
      this.broken = true;
      return new NetError({
        operation: named(operation),
        netns: this.netns,
        timedOut: true,
        detail: `no answer from the kernel within ${this.timeoutMs} ms`,
      });
    }
    return new NetError({
      operation: named(operation),
      netns: this.netns,
      errno: error.code,
      detail: error.message,
    });
  }

  /** The NetError of a kernel NLMSG_ERROR: errno's name, and the extended ack or strerror. */
  private kernelError(operation: Operation, reply: ErrorReply): NetError {
    return new NetError({
      operation: named(operation),
      netns: this.netns,
      errno: errnoName(reply.errno),
      detail: reply.message ?? libc().strerror(reply.errno),
    });
  }
}

function int32(value: number): Uint8Array {
  return new Uint8Array(new Int32Array([value]).buffer);
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
}
