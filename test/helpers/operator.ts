// Runs the built executable as an operator does: command-line arguments, no CNI_* variables.
import { execa } from 'execa';
import { outcomeOf, PLUGIN, type Outcome } from './plugin.js';

/** `urunc-tap ARGS...`; never throws on a non-zero exit. */
export async function urunc(args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('CNI_')),
  ) as Record<string, string>;
  const result = await execa(PLUGIN, args, {
    env: { ...inherited, ...env },
    extendEnv: false,
    reject: false,
    timeout: 60_000,
  });
  return outcomeOf(result.exitCode ?? -1, result.stdout, result.stderr);
}
