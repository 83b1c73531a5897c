// Runs the built executable as an operator does: command-line arguments, no CNI_* variables.
import { execa } from 'execa';
import { PLUGIN } from './plugin.js';

export interface CliOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON, when it is. */
  json: any;
}

/** `urunc-tap ARGS...`; never throws on a non-zero exit. */
export async function urunc(args: string[], env: Record<string, string> = {}): Promise<CliOutcome> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('CNI_')),
  ) as Record<string, string>;
  const result = await execa(PLUGIN, args, {
    env: { ...inherited, ...env },
    extendEnv: false,
    reject: false,
    timeout: 60_000,
  });
  let json: unknown;
  try {
    json = JSON.parse(result.stdout);
  } catch {
    json = undefined;
  }
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr, json };
}
