// A stand-in VMM process holding the tap open, as qemu or firecracker would.
import { execa, type ResultPromise } from 'execa';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./fake-vmm.py', import.meta.url));

export interface FakeVmm {
  pid: number;
  /** SIGKILL, as when a VMM crashes or is OOM-killed; resolves once it is reaped. */
  kill(): Promise<void>;
}

/**
 * Starts the stand-in VMM in `netns` on `tap` and waits until it has the tap open. Tests get
 * it through the `vmm` fixture (fixtures.ts), which kills it.
 */
export async function startVmm(netns: string, tap: string): Promise<FakeVmm> {
  const child: ResultPromise = execa('nsenter', [`--net=${netns}`, '--', 'python3', SCRIPT, tap], {
    reject: false,
    buffer: false,
  });
  const kill = async () => {
    child.kill('SIGKILL');
    await child;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on(
        'data',
        (chunk: Buffer) => chunk.toString().includes('attached') && resolve(),
      );
      child.on('exit', (code) =>
        reject(new Error(`fake VMM exited (${code}) before attaching to ${tap}`)),
      );
    });
  } catch (error) {
    await kill();
    throw error;
  }
  return { pid: child.pid!, kill };
}
