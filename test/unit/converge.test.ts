// The read -> plan -> apply loop: which failures are retried, how often, what it hands back
// for rollback (every attempted change), and how a kernel failure reaches the runtime.
import { describe, expect, it } from 'vitest';
import { CniError } from '../../src/cni/errors.js';
import type { NetBackend } from '../../src/net/backend.js';
import type { Change } from '../../src/net/changes.js';
import { isTransient, NetError } from '../../src/net/errors.js';
import type { NamespaceSnapshot } from '../../src/net/model.js';
import { apply, converge, MAX_ATTEMPTS, netError, read } from '../../src/plugin/converge.js';
import { bare } from './state.js';

const failure = (errno: string | undefined, fields: Partial<{ timedOut: boolean }> = {}) =>
  new NetError({
    operation: 'tc filter add dev eth0 ingress',
    netns: '/n',
    errno,
    detail: `RTNETLINK answers: ${errno ?? 'something'}`,
    ...fields,
  });

const qdisc: Change = { op: 'add-ingress-qdisc', dev: 'eth0', mark: 1 };
const redirect: Change = { op: 'add-redirect', dev: 'eth0', pref: 1, target: 't', cookie: 'ab' };

async function run(failures: unknown[], plan: Change[] = [qdisc]) {
  let reads = 0;
  const retries: number[] = [];
  const outcome = await converge({
    read: async (): Promise<NamespaceSnapshot> => (reads++, bare()),
    plan: () => plan,
    apply: async () => {
      const next = failures.shift();
      if (next) throw next;
    },
    onRetry: (attempt) => retries.push(attempt),
  });
  return { outcome, reads, retries };
}

describe('converge', () => {
  it('hands back the last read and what it applied', async () => {
    const { outcome, reads } = await run([]);
    expect(outcome).toEqual({ ok: true, state: bare(), changes: [qdisc] });
    expect(reads).toBe(1);
  });

  it('retries a transient failure from a fresh read', async () => {
    const { outcome, reads, retries } = await run([failure('EBUSY')]);
    expect(outcome.ok).toBe(true);
    expect(reads).toBe(2);
    expect(retries).toEqual([1]);
  });

  it(`gives up after ${MAX_ATTEMPTS} attempts, returning every attempted change`, async () => {
    const busy = () => failure('EBUSY');
    const { outcome, reads } = await run([busy(), busy(), busy(), busy()]);
    expect(outcome).toMatchObject({ ok: false, attempted: [qdisc, qdisc, qdisc] });
    expect(reads).toBe(MAX_ATTEMPTS);
  });

  it('does not retry a refusal, a timeout or a bug', async () => {
    for (const error of [
      failure('EPERM'),
      failure('EEXIST', { timedOut: true }),
      new Error('bug'),
    ]) {
      const { outcome, reads } = await run([error]);
      expect(outcome).toEqual({ ok: false, error, attempted: [qdisc] });
      expect(reads).toBe(1);
    }
  });

  it("keeps every attempt's changes across retries", async () => {
    const { outcome } = await run([failure('EEXIST'), failure('EPERM')], [qdisc, redirect]);
    expect(outcome).toMatchObject({ ok: false, attempted: [qdisc, redirect, qdisc, redirect] });
  });

  it('ends on a failed read, keeping the earlier attempts', async () => {
    let reads = 0;
    const gone = failure('ENOENT');
    const outcome = await converge({
      read: async () => {
        if (++reads > 1) throw new Error('namespace gone');
        return bare();
      },
      plan: () => [qdisc],
      apply: async () => {
        throw gone;
      },
      onRetry: () => {},
    });
    expect(outcome).toMatchObject({ ok: false, attempted: [qdisc] });
    expect((outcome as { error: Error }).error.message).toBe('namespace gone');
  });
});

describe('isTransient', () => {
  it.each([
    ['EEXIST', true],
    ['ENODEV', true],
    ['ENOENT', true],
    ['EBUSY', true],
    ['EAGAIN', true],
    ['EPERM', false],
    ['EINVAL', false],
    [undefined, false],
  ])('classifies errno %s as transient: %s', (errno, transient) => {
    expect(isTransient(failure(errno))).toBe(transient);
  });

  it('never retries a timeout or something that is not a NetError', () => {
    expect(isTransient(failure('EBUSY', { timedOut: true }))).toBe(false);
    expect(isTransient(Object.assign(new Error('x'), { errno: 'EBUSY' }))).toBe(false);
  });
});

describe('netError', () => {
  it('makes a kernel failure code 100, naming what, where and what it said', () => {
    const cause = failure('EPERM');
    const error = netError(cause, 'wiring the tap') as CniError;
    expect(error).toBeInstanceOf(CniError);
    expect(error.code).toBe(100);
    expect(error.message).toBe(
      'wiring the tap: `tc filter add dev eth0 ingress` in /n failed (EPERM): RTNETLINK answers: EPERM',
    );
    expect(JSON.parse(error.details)).toEqual({
      operation: 'tc filter add dev eth0 ingress',
      netns: '/n',
      errno: 'EPERM',
      detail: 'RTNETLINK answers: EPERM',
    });
    expect(error.cause).toBe(cause);
  });

  it('makes a timeout "try again later" (11), and passes anything else through', () => {
    expect(netError(failure(undefined, { timedOut: true }), 'x')).toMatchObject({ code: 11 });
    const other = new CniError(101, 'pod interface eth0 not found');
    expect(netError(other, 'x')).toBe(other);
  });
});

describe('read and apply', () => {
  const backend = (overrides: Partial<NetBackend>): NetBackend => ({
    name: 'fake',
    read: async () => bare(),
    apply: async () => {},
    readLinks: async () => new Map(),
    requirements: () => [],
    probe: async () => undefined,
    ...overrides,
  });

  it('read: a failed read is a CNI error naming the namespace', async () => {
    const failing = backend({
      read: async () => {
        throw failure('ENOENT');
      },
    });
    await expect(read(failing, '/run/netns/x')).rejects.toMatchObject({
      code: 100,
      message: expect.stringMatching(/^reading \/run\/netns\/x: /),
    });
    await expect(read(backend({}), '/n')).resolves.toEqual(bare());
  });

  it('apply: applies, then logs each change with its description', async () => {
    const applied: Change[][] = [];
    const logged: Array<[string, unknown]> = [];
    await apply(
      backend({ apply: async (_netns, changes) => void applied.push(changes) }),
      '/n',
      [qdisc, { op: 'delete-link', name: 'tap0_urunc' }],
      (message, fields) => logged.push([message, fields]),
      'rollback: ',
    );
    expect(applied).toEqual([[qdisc, { op: 'delete-link', name: 'tap0_urunc' }]]);
    expect(logged).toEqual([
      [
        'rollback: added ingress qdisc on eth0',
        { op: 'add-ingress-qdisc', change: 'created', object: 'ingress qdisc on eth0' },
      ],
      [
        'rollback: deleted tap0_urunc',
        { op: 'delete-link', change: 'removed', object: 'tap tap0_urunc' },
      ],
    ]);
  });
});
