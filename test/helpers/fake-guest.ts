// A stand-in guest behind the tap that answers ARP and ping for the pod's address, so a test
// can prove traffic to the pod really crosses eth0 -> mirred -> tap and back.
import { execa, type ResultPromise } from 'execa';
import { fileURLToPath } from 'node:url';
import { sh } from './sh.js';

const SCRIPT = fileURLToPath(new URL('./fake-guest.py', import.meta.url));

/** A locally administered MAC for the guest, distinct from every interface's. */
export const GUEST_MAC = '02:75:72:75:6e:63';

export interface FakeGuest {
  /** How many pings the guest has answered so far. */
  echoes(): number;
  /** SIGKILL; resolves once it is reaped. */
  kill(): Promise<void>;
}

/**
 * Starts the guest in `netns` on `tap` with address `ip` and waits until it has the tap open.
 * Tests get it through the `guest` fixture (e2e-fixtures.ts), which kills it.
 */
export async function startGuest(netns: string, tap: string, ip: string): Promise<FakeGuest> {
  const child: ResultPromise = execa(
    'nsenter',
    [`--net=${netns}`, '--', 'python3', SCRIPT, tap, ip, GUEST_MAC],
    { reject: false, buffer: false },
  );
  let output = '';
  const kill = async () => {
    child.kill('SIGKILL');
    await child;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('attached')) resolve();
      });
      child.on('exit', (code) =>
        reject(new Error(`fake guest exited (${code}) before attaching to ${tap}`)),
      );
    });
  } catch (error) {
    await kill();
    throw error;
  }
  return { echoes: () => output.split('\n').filter((line) => line === 'echo').length, kill };
}

/** Whether `ip` answers ping from namespace `ns` (a few tries, short timeouts). */
export async function answersPing(ns: string, ip: string): Promise<boolean> {
  try {
    await sh('ip', ['netns', 'exec', ns, 'ping', '-c', '3', '-i', '0.2', '-W', '1', ip]);
    return true;
  } catch {
    return false;
  }
}
