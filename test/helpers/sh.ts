// Running host commands from tests (argument arrays, no shell), with readable failures.
import { execa } from 'execa';

/** Runs a command and returns stdout; throws with its stderr when it fails. */
export async function sh(
  file: string,
  args: string[],
  options: { input?: string } = {},
): Promise<string> {
  const result = await execa(file, args, { input: options.input ?? '', reject: false });
  if (result.exitCode !== 0) {
    throw new Error(`${file} ${args.join(' ')} failed (${result.exitCode}): ${result.stderr}`);
  }
  return result.stdout;
}

/** `ip -n NS ...` */
export const ipn = (ns: string, ...args: string[]): Promise<string> =>
  sh('ip', ['-n', ns, ...args]);

/** `tc -n NS ...` */
export const tcn = (ns: string, ...args: string[]): Promise<string> =>
  sh('tc', ['-n', ns, ...args]);
