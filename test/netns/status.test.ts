// STATUS (CNI 1.1) on this host: ready, what it reports when a piece is missing, the cached
// verdict, and no scratch namespace left behind.
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { faultEnv } from '../helpers/faults.js';
import { cni, netconf, PLUGIN } from '../helpers/plugin.js';
import { sh } from '../helpers/sh.js';
import { noNetns } from '../helpers/tier.js';

/** STATUS gets no container: the spec passes only CNI_COMMAND and CNI_PATH. */
const NO_CONTAINER = { CNI_CONTAINERID: undefined, CNI_NETNS: undefined, CNI_IFNAME: undefined };

const temps: string[] = [];
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'urunc-tap-status-'));
  temps.push(dir);
  return dir;
}

/**
 * A PATH of its own: the cached verdict is per PATH, so a STATUS with it probes for real.
 * The extra directory does not exist and changes nothing else.
 */
const freshPath = () => `${process.env.PATH}:/nonexistent-${randomBytes(4).toString('hex')}`;

function status(env: Record<string, string | undefined> = {}, extra = {}) {
  return cni({
    command: 'STATUS',
    config: netconf('1.1.0', extra),
    env: { ...NO_CONTAINER, ...env },
  });
}

/** Probe namespaces whose process is gone: there must never be any. */
function leftoverProbes(): string[] {
  return readdirSync('/run/netns').filter((name) => {
    const pid = /^urunc-tap-probe-(\d+)-/.exec(name)?.[1];
    // 99999999: the stale namespace the sweep test below plants on purpose.
    if (!pid || pid === '99999999') return false;
    try {
      process.kill(Number(pid), 0);
      return false;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ESRCH';
    }
  });
}

describe.skipIf(noNetns).concurrent('STATUS', () => {
  it('is ready here: exit 0, no output, after probing the kernel in a scratch namespace', async () => {
    const log = join(tempDir(), 'status.log');
    const out = await status({ PATH: freshPath() }, { logFile: log, logLevel: 'debug' });
    expect(out.exitCode, out.stdout + out.stderr).toBe(0);
    expect(out.stdout).toBe('');
    const checks = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((line) => line.check);
    expect(checks.map((line) => line.msg.split(':')[0])).toEqual([
      'nsenter',
      'ip',
      'tc',
      '/dev/net/tun',
      'netns',
      'tap',
      'ingress',
      'u32',
      'mirred',
    ]);
    expect(checks.every((line) => / ok: /.test(line.msg))).toBe(true);
    expect(leftoverProbes()).toEqual([]);
  });

  it('reuses a "ready" verdict for a while instead of probing again', async () => {
    const log = join(tempDir(), 'status.log');
    const env = { PATH: freshPath() };
    const config = { logFile: log, logLevel: 'debug' };
    expect((await status(env, config)).exitCode).toBe(0);
    expect((await status(env, config)).exitCode).toBe(0);
    const cached = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((line) => line.cached !== undefined)
      .map((line) => line.cached);
    expect(cached).toEqual([false, true]);
  });

  it('fails with code 50 naming a missing tc and the package to install', async () => {
    // A PATH with node, nsenter and ip, but no tc.
    const bin = tempDir();
    for (const tool of ['node', 'nsenter', 'ip']) {
      symlinkSync((await sh('which', [tool])).trim(), join(bin, tool));
    }
    const out = await status({ PATH: bin });
    expect(out.exitCode).toBe(1);
    expect(out.json).toMatchObject({ cniVersion: '1.1.0', code: 50 });
    expect(out.json.msg).toBe('urunc-tap cannot serve ADD on this host: tc: not found on PATH');
    expect(out.json.details).toBe('tc: not found on PATH (fix: apt-get install iproute2)');
  });

  it('fails with code 50 naming the kernel feature whose probe failed', async () => {
    // tc calls: -V, then the ingress, u32 and mirred steps; the 4th (mirred) fails.
    const out = await status(faultEnv({ tool: 'tc', call: 4 }));
    expect(out.exitCode).toBe(1);
    expect(out.json).toMatchObject({ code: 50 });
    expect(out.json.msg).toContain('mirred: `tc filter add dev utprobe0 ingress pref 2');
    // The injected fault is an EPERM, for which the fix is privileges, not a module.
    expect(out.json.details).toMatch(/^mirred: .*injected fault.* \(fix: run it as root/);
    expect(leftoverProbes()).toEqual([]);
  });

  it('fails with code 50 when /dev/net/tun is missing (hidden in a mount namespace)', async () => {
    const result = await execa(
      'unshare',
      ['--mount', '--', 'sh', '-c', 'mount -t tmpfs none /dev/net && exec "$0"', PLUGIN],
      {
        env: { PATH: freshPath(), CNI_COMMAND: 'STATUS', CNI_PATH: '/opt/cni/bin' },
        extendEnv: false,
        input: JSON.stringify(netconf('1.1.0')),
        reject: false,
      },
    );
    expect(result.exitCode).toBe(1);
    const error = JSON.parse(result.stdout);
    expect(error).toMatchObject({ code: 50 });
    expect(error.details).toBe(
      '/dev/net/tun: /dev/net/tun does not exist (fix: modprobe tun (in a container: pass the host device /dev/net/tun in))',
    );
  });

  it('sweeps up the scratch namespace of a probe whose process died', async () => {
    // pids never exceed pid_max (4194304 at most): this one cannot be alive.
    const stale = `urunc-tap-probe-99999999-${randomBytes(4).toString('hex')}`;
    await sh('ip', ['netns', 'add', stale]);
    try {
      const out = await status({ PATH: freshPath() });
      expect(out.exitCode, out.stdout).toBe(0);
      expect(readdirSync('/run/netns')).not.toContain(stale);
    } finally {
      await sh('ip', ['netns', 'del', stale]).catch(() => {});
    }
  });

  it('is refused below cniVersion 1.1.0 (code 1)', async () => {
    const out = await cni({ command: 'STATUS', config: netconf('1.0.0'), env: NO_CONTAINER });
    expect(out.json).toMatchObject({ cniVersion: '1.0.0', code: 1 });
  });
});
