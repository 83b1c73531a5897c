// A real VMM behind the tap: qemu started inside the pod namespace the way urunc starts it,
// attached to the plugin's tap by name, with the pod interface's MAC and the pod's IP.
import { execa, type Result, type ResultPromise } from 'execa';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GuestImage } from './guest-image.js';

/** What the guest is given on its kernel command line (read by test/vm/init). */
export interface GuestNetwork {
  /** The pod's address, moved into the guest. */
  address: string;
  prefixLength: number;
  gateway?: string;
}

export interface QemuOptions {
  image: GuestImage;
  /** Path of the pod namespace (CNI_NETNS). */
  netns: string;
  /** The tap's name, from the plugin's ADD result. */
  tap: string;
  /** The guest NIC's MAC: the pod interface's, so the peer's ARP entries stay right. */
  mac: string;
  network: GuestNetwork;
  /** Size of the random file the guest serves over HTTP (test/vm/init `urunc.blob_mib`). */
  blobMib?: number;
}

/**
 * The full command line, `nsenter` included (it execs qemu: one pid). TCG because this machine
 * kind has no usable KVM; `vhost=off` for the same reason; `romfile=` skips the iPXE option ROM
 * (no PXE boot wanted, and one file fewer to find); `-no-reboot` + `panic=-1` turn a guest
 * panic into a qemu exit that the test sees instead of a silent reboot loop.
 */
function qemuCommand(options: QemuOptions, serialLog: string): string[] {
  const { address, prefixLength, gateway } = options.network;
  const append = [
    'console=ttyS0',
    'panic=-1',
    `urunc.ip=${address}/${prefixLength}`,
    ...(gateway ? [`urunc.gw=${gateway}`] : []),
    `urunc.blob_mib=${options.blobMib ?? 4}`,
    'quiet',
  ].join(' ');
  return [
    'nsenter',
    `--net=${options.netns}`,
    '--',
    'qemu-system-x86_64',
    '-accel',
    'tcg',
    '-machine',
    'pc',
    '-m',
    '128',
    '-smp',
    '1',
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-monitor',
    'none',
    '-no-reboot',
    '-serial',
    `file:${serialLog}`,
    '-kernel',
    options.image.vmlinuz,
    '-initrd',
    options.image.initrd,
    '-append',
    append,
    '-netdev',
    `tap,id=n0,ifname=${options.tap},script=no,downscript=no,vhost=off`,
    '-device',
    `virtio-net-pci,netdev=n0,mac=${options.mac},romfile=`,
  ];
}

/** The guest's `URUNC-GUEST-READY` serial line, parsed. */
export interface GuestReady {
  line: string;
  /** "ADDR/PREFIX" the guest configured on its eth0. */
  ip: string;
  /** The guest eth0's MAC, as the guest kernel sees it. */
  mac: string;
  /** sha256 of the guest's /blob.bin. */
  sha256: string;
}

/** How qemu ended. */
export interface VmExit {
  signal: string | undefined;
  exitCode: number | undefined;
}

export interface Vm {
  pid: number;
  /** Waits for the guest to serve (its READY line); fails fast if qemu exits first. */
  ready(timeoutMs?: number): Promise<GuestReady>;
  /** Whether the qemu process is still running. */
  running(): boolean;
  /** SIGKILL, as when a VMM crashes or is OOM-killed; resolves once reaped. Idempotent. */
  kill(): Promise<VmExit>;
}

/**
 * The guest's ready line in its serial log so far, once the guest has written all of it: the log
 * grows while we read it, and a line cut short (`sha256=4660628d9`) must not pass for the
 * whole one.
 */
export function guestReady(serial: string): GuestReady | undefined {
  const line = /^URUNC-GUEST-READY [^\r\n]*(?=\r?\n)/m.exec(serial)?.[0]?.trim();
  if (!line) return undefined;
  const field = (name: string) => new RegExp(`\\b${name}=(\\S*)`).exec(line)?.[1] ?? '';
  return { line, ip: field('ip'), mac: field('mac'), sha256: field('sha256') };
}

/**
 * Starts qemu. Tests get VMs through the `qemu` fixture (vmm-fixtures.ts), which kills them
 * when the test ends, pass or fail.
 */
export function startQemu(options: QemuOptions): Vm {
  const dir = mkdtempSync(join(tmpdir(), 'urunc-tap-qemu-'));
  const serialLog = join(dir, 'serial.log');
  // setpriv --pdeathsig: qemu dies with the test worker even if that is SIGKILLed, so no
  // guest outlives a crashed run. setpriv, nsenter and qemu exec each other: one pid.
  const args = ['--pdeathsig', 'KILL', '--', ...qemuCommand(options, serialLog)];
  const child: ResultPromise<{ reject: false; all: true; stdin: 'ignore' }> = execa(
    'setpriv',
    args,
    {
      reject: false,
      all: true,
      stdin: 'ignore',
    },
  );
  let exited: Result | undefined;
  const done = child.then((result) => {
    exited = result as Result;
    return result as Result;
  });
  const serial = (): string => {
    try {
      return readFileSync(serialLog, 'utf8');
    } catch {
      return '';
    }
  };
  const explain = (what: string): Error => {
    const tail = serial().split('\n').slice(-30).join('\n');
    const output = exited ? `\nqemu output: ${String(exited.all).trim()}` : '';
    return new Error(`${what}${output}\nlast serial lines:\n${tail}`);
  };

  let killed: Promise<VmExit> | undefined;
  return {
    pid: child.pid!,
    running: () => exited === undefined,
    async ready(timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const ready = guestReady(serial());
        if (ready) return ready;
        if (exited)
          throw explain(
            `qemu exited (${exited.signal ?? exited.exitCode}) before the guest was ready`,
          );
        if (Date.now() > deadline) throw explain(`the guest was not ready after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    kill() {
      killed ??= (async () => {
        child.kill('SIGKILL');
        const result = await done;
        rmSync(dir, { recursive: true, force: true });
        return { signal: result.signal, exitCode: result.exitCode };
      })();
      return killed;
    },
  };
}
