// DEL's observation: one `tc -force -batch` read (output captured from iproute2 6.1 on kernel
// 6.18), tap ownership from our cookie, and the `ip` read only when the cookie cannot tell.
import { describe, expect, it } from 'vitest';
import { IprouteError, type IprouteCommand, type Runner } from '../../src/net/exec.js';
import { showIngressOfExisting, splitForcedBatch } from '../../src/net/forced-batch.js';
import { redirectCookie, tapAlias } from '../../src/plugin/attachment.js';
import { observeForDel, tapOwnership } from '../../src/plugin/observe-del.js';
import { planDel } from '../../src/plugin/plan-del.js';
import { attachment, foreignFilter, ourRedirect } from './state.js';

const COOKIE = redirectCookie(attachment, true);

/** `filter show dev X ingress` of one of our redirects to `target`, as tc prints it. */
const redirectJson = (target: string, cookie = COOKIE) =>
  JSON.stringify([
    { protocol: 'all', pref: 65280, kind: 'u32', chain: 0 },
    { protocol: 'all', pref: 65280, kind: 'u32', chain: 0, options: { fh: '800:', ht_divisor: 1 } },
    {
      protocol: 'all',
      pref: 65280,
      kind: 'u32',
      chain: 0,
      options: {
        fh: '800::800',
        order: 2048,
        actions: [
          {
            order: 1,
            kind: 'mirred',
            mirred_action: 'redirect',
            direction: 'egress',
            to_dev: target,
            control_action: { type: 'stolen' },
            cookie,
          },
        ],
      },
    },
  ]);

const qdiscsJson = (...devs: string[]) =>
  JSON.stringify([
    { kind: 'noqueue', handle: '0:', dev: 'eth0', root: true, refcnt: 2, options: {} },
    ...devs.map((dev) => ({ kind: 'ingress', handle: 'ffff:', dev, parent: 'ffff:fff1' })),
  ]);

const missing = (dev: string, line: number) =>
  `Cannot find device "${dev}"\nCommand failed -:${line}\n`;

const LINKS = JSON.stringify([
  { ifindex: 2, ifname: 'eth0', flags: ['UP'], mtu: 1500, address: '0a:00:00:00:00:02' },
  {
    ifindex: 3,
    ifname: 'tap0_urunc',
    flags: ['UP'],
    mtu: 1500,
    address: '0a:00:00:00:00:03',
    ifalias: tapAlias(attachment),
    linkinfo: { info_kind: 'tun', info_data: { type: 'tap', vnet_hdr: true, persist: true } },
  },
]);

/** A runner that answers from a script and records what was spawned. */
function fakeRunner(answers: Array<{ stdout: string; stderr?: string }>) {
  const calls: IprouteCommand[] = [];
  const run: Runner = async (command) => {
    calls.push(command);
    const answer = answers.shift();
    if (!answer) throw new Error(`unexpected call ${command.tool} ${command.args.join(' ')}`);
    if (!answer.stderr) return answer.stdout;
    throw new IprouteError({
      argv: [command.tool, ...command.args],
      netns: command.netns,
      exitCode: 1,
      stderr: answer.stderr,
      timedOut: false,
      input: command.input,
      stdout: answer.stdout,
    });
  };
  return { run, calls };
}

describe('splitForcedBatch', () => {
  it('gives each line its document, and a missing device its message', () => {
    const stdout = `${qdiscsJson('eth0')}\n[]\n`;
    expect(splitForcedBatch(3, stdout, missing('tap0_urunc', 3))).toEqual([
      { ok: true, output: qdiscsJson('eth0') },
      { ok: true, output: '[]' },
      { ok: false, message: 'Cannot find device "tap0_urunc"' },
    ]);
  });

  it('keeps the order when a middle line fails', () => {
    const stdout = `${qdiscsJson()}\n[]\n`;
    const outcomes = splitForcedBatch(3, stdout, missing('eth0', 2));
    expect(outcomes?.map((outcome) => outcome.ok)).toEqual([true, false, true]);
  });

  it('refuses output it cannot match to the lines', () => {
    expect(splitForcedBatch(3, `${qdiscsJson()}\n`, '')).toBeUndefined();
    expect(splitForcedBatch(2, '', 'nsenter: failed to execute tc: No such file')).toBeUndefined();
  });
});

describe('showIngressOfExisting', () => {
  it('reads every hook with one tc -force -batch and leaves missing devices out', async () => {
    const { run, calls } = fakeRunner([
      { stdout: `${qdiscsJson('eth0')}\n${redirectJson('*')}\n`, stderr: missing('tap0_urunc', 3) },
    ]);
    const hooks = await showIngressOfExisting(run, '/n', ['eth0', 'tap0_urunc']);
    expect(calls).toEqual([
      {
        tool: 'tc',
        args: ['-json', '-force', '-batch', '-'],
        netns: '/n',
        input: 'qdisc show\nfilter show dev eth0 ingress\nfilter show dev tap0_urunc ingress\n',
      },
    ]);
    expect([...hooks.keys()]).toEqual(['eth0']);
    expect(hooks.get('eth0')).toMatchObject({ qdisc: 'ingress', filters: [{ pref: 65280 }] });
  });

  it('throws any other failure, naming its line', async () => {
    const { run } = fakeRunner([
      {
        stdout: `${qdiscsJson()}\n`,
        stderr: 'RTNETLINK answers: Operation not permitted\nCommand failed -:2\n',
      },
    ]);
    const error = await showIngressOfExisting(run, '/n', ['eth0']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IprouteError);
    expect((error as IprouteError).argv).toEqual([
      'tc',
      'filter',
      'show',
      'dev',
      'eth0',
      'ingress',
    ]);
    expect((error as IprouteError).stderr).toBe('RTNETLINK answers: Operation not permitted');
  });

  it('throws a failure of the whole call as it is', async () => {
    const { run } = fakeRunner([{ stdout: '', stderr: 'nsenter: cannot open /n: No such file' }]);
    await expect(showIngressOfExisting(run, '/n', ['eth0'])).rejects.toThrow(/cannot open/);
  });
});

describe('tapOwnership', () => {
  it('is absent without a hook, ours with our cookie, and asks the alias otherwise', () => {
    expect(tapOwnership(attachment, undefined)).toBe('absent');
    expect(tapOwnership(attachment, { qdisc: 'ingress', filters: [ourRedirect('eth0')] })).toBe(
      'ours',
    );
    expect(tapOwnership(attachment, { qdisc: undefined, filters: [] })).toBe('ask-alias');
    const other = { ...attachment, containerId: 'ctr2' };
    const theirs = ourRedirect('eth0', true, '800::800', other);
    expect(tapOwnership(attachment, { qdisc: 'ingress', filters: [foreignFilter(), theirs] })).toBe(
      'ask-alias',
    );
  });
});

describe('observeForDel', () => {
  it('wired pod: one tc read, and DEL plans the qdisc then the tap', async () => {
    const { run, calls } = fakeRunner([
      {
        stdout: `${qdiscsJson('eth0', 'tap0_urunc')}\n${redirectJson('tap0_urunc')}\n${redirectJson('eth0')}\n`,
      },
    ]);
    const state = await observeForDel(run, attachment);
    expect(calls).toHaveLength(1);
    expect(state.tap).toMatchObject({ name: 'tap0_urunc', alias: tapAlias(attachment) });
    expect(planDel(state, attachment)).toEqual([
      { op: 'delete-ingress-qdisc', dev: 'eth0' },
      { op: 'delete-link', name: 'tap0_urunc' },
    ]);
  });

  it('tap gone (orphaned redirect on the pod interface): one read, the redirect goes', async () => {
    const { run, calls } = fakeRunner([
      { stdout: `${qdiscsJson('eth0')}\n${redirectJson('*')}\n`, stderr: missing('tap0_urunc', 3) },
    ]);
    const state = await observeForDel(run, attachment);
    expect(calls).toHaveLength(1);
    expect(state.tap).toBeUndefined();
    expect(planDel(state, attachment)).toEqual([{ op: 'delete-ingress-qdisc', dev: 'eth0' }]);
  });

  it('everything gone: one read, nothing to do', async () => {
    const { run, calls } = fakeRunner([
      { stdout: `${qdiscsJson()}\n`, stderr: missing('eth0', 2) + missing('tap0_urunc', 3) },
    ]);
    const state = await observeForDel(run, attachment);
    expect(calls).toHaveLength(1);
    expect(planDel(state, attachment)).toEqual([]);
  });

  it('a tap without our redirect: its alias is read, and it goes when it names us', async () => {
    const { run, calls } = fakeRunner([{ stdout: `${qdiscsJson()}\n[]\n[]\n` }, { stdout: LINKS }]);
    const state = await observeForDel(run, attachment);
    expect(calls.map((call) => call.tool)).toEqual(['tc', 'ip']);
    expect(planDel(state, attachment)).toEqual([{ op: 'delete-link', name: 'tap0_urunc' }]);
  });

  it('a foreign tap of the same name stays', async () => {
    const foreign = LINKS.replace(tapAlias(attachment), 'somebody else');
    const { run } = fakeRunner([{ stdout: `${qdiscsJson()}\n[]\n[]\n` }, { stdout: foreign }]);
    expect(planDel(await observeForDel(run, attachment), attachment)).toEqual([]);
  });

  it('a tap that vanished between the two reads is absent, hook and all', async () => {
    const onlyEth0 = JSON.stringify([JSON.parse(LINKS)[0]]);
    const { run } = fakeRunner([{ stdout: `${qdiscsJson()}\n[]\n[]\n` }, { stdout: onlyEth0 }]);
    const state = await observeForDel(run, attachment);
    expect(state.tap).toBeUndefined();
    expect([...state.hooks.keys()]).toEqual(['eth0']);
  });
});
