// The observe -> plan -> apply loop: which failures are retried, how often, and what it
// hands back for rollback.
import { describe, expect, it } from 'vitest';
import { IprouteError } from '../../src/net/exec.js';
import { converge, isTransient, MAX_ATTEMPTS } from '../../src/plugin/converge.js';
import type { NamespaceState } from '../../src/plugin/observe.js';
import type { Op } from '../../src/plugin/ops.js';
import { bare } from './state.js';

const failure = (stderr: string, timedOut = false) =>
  new IprouteError({
    argv: ['tc', '-batch', '-'],
    netns: '/n',
    exitCode: 1,
    stderr,
    timedOut,
    input: '',
  });

const op: Op = { op: 'add-ingress-qdisc', dev: 'eth0' };

async function run(failures: unknown[]) {
  let reads = 0;
  const retries: number[] = [];
  const outcome = await converge({
    read: async (): Promise<NamespaceState> => (reads++, bare()),
    plan: () => [op],
    apply: async () => {
      const next = failures.shift();
      if (next) throw next;
    },
    onRetry: (attempt) => retries.push(attempt),
  });
  return { outcome, reads, retries };
}

describe('converge', () => {
  it('retries a transient failure from a fresh read', async () => {
    const { outcome, reads, retries } = await run([
      failure('RTNETLINK answers: Device or resource busy'),
    ]);
    expect(outcome.ok).toBe(true);
    expect(reads).toBe(2);
    expect(retries).toEqual([1]);
  });

  it(`gives up after ${MAX_ATTEMPTS} attempts, returning every attempted op`, async () => {
    const busy = () => failure('RTNETLINK answers: Device or resource busy');
    const { outcome, reads } = await run([busy(), busy(), busy(), busy()]);
    expect(outcome).toMatchObject({ ok: false, attempted: [op, op, op] });
    expect(reads).toBe(MAX_ATTEMPTS);
  });

  it('does not retry a refusal or a timeout', async () => {
    for (const error of [
      failure('RTNETLINK answers: Operation not permitted'),
      failure('', true),
      new Error('bug'),
    ]) {
      const { outcome, reads } = await run([error]);
      expect(outcome).toMatchObject({ ok: false, error, attempted: [op] });
      expect(reads).toBe(1);
    }
  });

  it.each([
    ['RTNETLINK answers: File exists', true],
    ['Cannot find device "tap0_urunc"', true],
    ['RTNETLINK answers: No such device', true],
    ['RTNETLINK answers: No such file or directory', true],
    ['RTNETLINK answers: Resource temporarily unavailable', true],
    ['RTNETLINK answers: Invalid argument', false],
    ['Error: Specified qdisc kind is unknown.', false],
  ])('classifies %j as transient: %s', (stderr, transient) => {
    expect(isTransient(failure(stderr))).toBe(transient);
  });
});
