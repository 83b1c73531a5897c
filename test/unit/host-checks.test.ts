// STATUS's and doctor's checks with a fake backend: what each reports, which check fails, what
// is skipped, and the fix it names. The host's own files (tun device, capabilities, modules)
// are stood in for, so the outcome does not depend on the machine running the tests.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { NetBackend, ProbeFailure, Requirement } from '../../src/net/backend.js';
import { NetError } from '../../src/net/errors.js';
import { doctorChecks, readinessChecks } from '../../src/plugin/host-checks.js';

const hostState = vi.hoisted(() => ({ requirements: [] as Requirement[] }));
vi.mock('../../src/net/host.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src/net/host.js')>()),
  hostRequirements: () => hostState.requirements,
}));

const TUN_OK: Requirement = { name: '/dev/net/tun', ok: true, detail: 'character device' };

function backend(requirements: Requirement[], probe?: ProbeFailure) {
  let probes = 0;
  const fake: NetBackend = {
    name: 'fake',
    read: async () => {
      throw new Error('not read');
    },
    apply: async () => {
      throw new Error('not applied');
    },
    readLinks: async () => new Map(),
    requirements: () => requirements,
    probe: async () => (probes++, probe),
  };
  return { fake, probes: () => probes };
}

const programs: Requirement[] = [
  { name: 'ip', ok: true, detail: '/usr/sbin/ip' },
  { name: 'tc', ok: true, detail: '/usr/sbin/tc' },
];

const failure = (errno: string | undefined, detail: string) =>
  new NetError({
    operation: 'tc filter add dev utprobe0 ingress',
    netns: '/run/netns/p',
    errno,
    detail,
  });

const states = (checks: Array<{ name: string; state: string }>) =>
  Object.fromEntries(checks.map((check) => [check.name, check.state]));

beforeEach(() => {
  hostState.requirements = [TUN_OK];
});

describe('readinessChecks', () => {
  it("lists the backend's requirements, then the host's, probing nothing", () => {
    const { fake, probes } = backend(programs);
    expect(readinessChecks(fake)).toEqual([
      { name: 'ip', state: 'ok', detail: '/usr/sbin/ip' },
      { name: 'tc', state: 'ok', detail: '/usr/sbin/tc' },
      { name: '/dev/net/tun', state: 'ok', detail: 'character device' },
    ]);
    expect(probes()).toBe(0);
  });

  it('carries the fix of a failed requirement, and none of a passed one', () => {
    const { fake } = backend([
      { name: 'tc', ok: false, detail: 'not found on PATH', fix: 'apt-get install iproute2' },
    ]);
    hostState.requirements = [
      { name: 'CAP_NET_ADMIN', ok: true, detail: 'effective', fix: 'never shown' },
    ];
    expect(readinessChecks(fake)).toEqual([
      { name: 'tc', state: 'failed', detail: 'not found on PATH', fix: 'apt-get install iproute2' },
      { name: 'CAP_NET_ADMIN', state: 'ok', detail: 'effective' },
    ]);
  });
});

describe('doctorChecks', () => {
  it('passes everything on a good host, naming what the probe built', async () => {
    const { fake, probes } = backend(programs);
    const checks = await doctorChecks(fake);
    expect(checks.map((check) => [check.name, check.state])).toEqual([
      ['ip', 'ok'],
      ['tc', 'ok'],
      ['/dev/net/tun', 'ok'],
      ['netns', 'ok'],
      ['tap', 'ok'],
      ['ingress', 'ok'],
      ['u32', 'ok'],
      ['mirred', 'ok'],
    ]);
    expect(checks.find((check) => check.name === 'mirred')!.detail).toBe(
      'added a u32 filter with a mirred egress redirect and an action cookie',
    );
    expect(probes()).toBe(1);
  });

  it('skips the kernel probe when a readiness check failed', async () => {
    const { fake, probes } = backend(programs);
    hostState.requirements = [
      {
        name: '/dev/net/tun',
        ok: false,
        detail: '/dev/net/tun does not exist',
        fix: 'modprobe tun',
      },
    ];
    const checks = await doctorChecks(fake);
    expect(states(checks)).toEqual({
      ip: 'ok',
      tc: 'ok',
      '/dev/net/tun': 'failed',
      netns: 'skipped',
      tap: 'skipped',
      ingress: 'skipped',
      u32: 'skipped',
      mirred: 'skipped',
    });
    expect(checks.at(-1)!.detail).toBe('not checked: an earlier check failed');
    expect(probes()).toBe(0);
  });

  it('names the first kernel feature that fails, with the module to load, and skips the rest', async () => {
    const error = failure(undefined, 'Error: Specified classifier kind is unknown.');
    const { fake } = backend(programs, { step: 'u32', error });
    const checks = await doctorChecks(fake);
    expect(states(checks)).toMatchObject({
      netns: 'ok',
      tap: 'ok',
      ingress: 'ok',
      u32: 'failed',
      mirred: 'skipped',
    });
    expect(checks.find((check) => check.name === 'u32')).toEqual({
      name: 'u32',
      state: 'failed',
      detail: error.message,
      fix: 'modprobe cls_u32',
    });
  });

  it.each([
    ['tap', 'modprobe tun'],
    ['ingress', 'modprobe sch_ingress'],
    ['mirred', 'modprobe act_mirred'],
  ] as const)('fixes a failed %s step with `%s`', async (step, fix) => {
    const { fake } = backend(programs, { step, error: failure('EINVAL', 'Invalid argument') });
    expect((await doctorChecks(fake)).find((check) => check.name === step)!.fix).toBe(fix);
  });

  it('says to run as root when the kernel refuses (EPERM, EACCES), whichever step it was', async () => {
    const refusals = [
      failure('EPERM', 'RTNETLINK answers: Operation not permitted'),
      failure('EACCES', 'open /dev/net/tun: Permission denied'),
      failure(
        undefined,
        "nsenter: reassociate to namespace 'ns/net' failed: Operation not permitted",
      ),
    ];
    for (const error of refusals) {
      const { fake } = backend(programs, { step: 'tap', error });
      expect((await doctorChecks(fake)).find((check) => check.name === 'tap')).toEqual({
        name: 'tap',
        state: 'failed',
        detail: error.message,
        fix: 'run it as root (it needs CAP_NET_ADMIN and CAP_SYS_ADMIN)',
      });
    }
  });
});
