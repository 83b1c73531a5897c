// A light stand-in VMM for long loops (tap-holder.py): one process in the pod namespace that
// forks a tap-holding child per cycle, so a thousand attach/kill cycles cost milliseconds.
import { execa } from 'execa';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./tap-holder.py', import.meta.url));

/** IFF_PERSIST in the tap's flags: the tap existed before the attach (it is the plugin's). */
export const IFF_PERSIST = 0x800;

export interface TapHolder {
  /** Pid of the long-lived holder process (its children are the stand-in VMMs). */
  pid: number;
  /** Forks a stand-in VMM attached to `tap` (TUNSETIFF); returns its pid and the tap's flags. */
  attach(tap: string): Promise<{ pid: number; flags: number }>;
  /** SIGKILLs the current stand-in VMM and reaps it; returns the signal that ended it. */
  killVmm(): Promise<{ pid: number; signal: number }>;
  /** The holder's own open file descriptors (a tun fd left behind by a child would not show). */
  fds(): Promise<string[]>;
  /** Ends the holder (and any child, which dies with it). */
  close(): Promise<void>;
}

/** Starts the holder inside `netns`. Tests get it through the `tapHolder` fixture. */
export async function startTapHolder(netns: string): Promise<TapHolder> {
  const child = execa('nsenter', [`--net=${netns}`, '--', 'python3', SCRIPT], {
    reject: false,
    buffer: false,
    stdin: 'pipe',
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const ask = async (command: string): Promise<string[]> => {
    child.stdin!.write(command + '\n');
    const { value, done } = await lines.next();
    if (done) throw new Error(`tap holder exited while answering "${command}"`);
    const words = String(value).split(' ');
    if (words[0] === 'error') throw new Error(`tap holder: ${command}: ${String(value)}`);
    return words;
  };
  // Wait for the interpreter to be up: until then the namespace also holds whatever the
  // python3 launcher (a pyenv shim, say) runs on the way, and a census would count it.
  const first = await lines.next();
  if (first.done || first.value !== 'ready') {
    child.kill('SIGKILL');
    const result = await child;
    throw new Error(`tap holder did not start: ${String(first.value ?? result.stderr ?? '')}`);
  }
  const close = async () => {
    child.stdin!.end();
    child.kill('SIGKILL');
    await child;
  };
  return {
    pid: child.pid!,
    async attach(tap) {
      const [, pid, flags] = await ask(`attach ${tap}`);
      return { pid: Number(pid), flags: Number(flags) };
    },
    async killVmm() {
      const [, pid, signal] = await ask('kill');
      return { pid: Number(pid), signal: Number(signal) };
    },
    async fds() {
      return (await ask('fds')).slice(2);
    },
    close,
  };
}
