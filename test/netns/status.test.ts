// STATUS (CNI 1.1) on this host: ready, what it reports when something ADD needs is missing,
// and that it creates nothing and starts no process (runtimes call it every few seconds).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { urunc } from '../helpers/operator.js';
import { cni, netconf, withoutCapabilities } from '../helpers/plugin.js';
import { sh } from '../helpers/sh.js';
import { noNetns } from '../helpers/tier.js';

/** STATUS gets no container: the spec passes only CNI_COMMAND and CNI_PATH. */
const NO_CONTAINER = { CNI_CONTAINERID: undefined, CNI_NETNS: undefined, CNI_IFNAME: undefined };

const temps: string[] = [];
afterAll(() => temps.forEach((path) => rmSync(path, { recursive: true, force: true })));
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'urunc-tap-status-'));
  temps.push(dir);
  return dir;
}

/** STATUS with `env` and config keys `extra`, run through `via` if given. */
function status(env: Record<string, string | undefined> = {}, extra = {}, via?: string[]) {
  return cni({
    command: 'STATUS',
    config: netconf('1.1.0', extra),
    env: { ...NO_CONTAINER, ...env },
    via,
  });
}

/** The backend of the build under test, as `doctor --json` names it. */
async function backendName(): Promise<string> {
  return (await urunc(['doctor', '--json'])).json.backend;
}

/**
 * A PATH whose ip, tc, nsenter and setpriv log each start, then run the real one: a STATUS
 * that starts any of them leaves a line in `calls`.
 */
async function spyingPath(calls: string): Promise<string> {
  const bin = tempDir();
  for (const tool of ['ip', 'tc', 'nsenter', 'setpriv']) {
    const real = (await sh('which', [tool])).trim();
    const spy = join(bin, tool);
    writeFileSync(spy, `#!/bin/sh\necho ${tool} >> ${calls}\nexec ${real} "$@"\n`, { mode: 0o755 });
  }
  return `${bin}:${process.env.PATH}`;
}

describe.skipIf(noNetns).concurrent('STATUS', () => {
  it('is ready here: exit 0, no output, every check logged at debug level', async () => {
    const log = `/var/log/urunc-tap/test-status-${randomBytes(4).toString('hex')}.log`;
    temps.push(log);
    const out = await status({}, { logFile: log, logLevel: 'debug' });
    expect(out.exitCode, out.stdout + out.stderr).toBe(0);
    expect(out.stdout).toBe('');
    const checks = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((line) => line.check)
      .map((line) => `${line.check} ${line.msg.split(': ')[1]}`);
    expect(checks).toEqual(
      expect.arrayContaining(['/dev/net/tun ok', 'CAP_NET_ADMIN ok', 'CAP_SYS_ADMIN ok']),
    );
    expect(checks.every((check) => check.endsWith(' ok'))).toBe(true);
  });

  it('creates nothing and starts no process', async () => {
    const calls = join(tempDir(), 'calls');
    const hostLinks = await sh('ip', ['-o', 'link', 'show']);
    for (let i = 0; i < 3; i++) {
      const out = await status({ PATH: await spyingPath(calls) });
      expect(out.exitCode, out.stdout).toBe(0);
    }
    // No ip, tc, nsenter or setpriv ran (so no namespace, tap or filter was made either).
    expect(() => readFileSync(calls, 'utf8')).toThrow();
    expect(await sh('ip', ['-o', 'link', 'show'])).toBe(hostLinks);
  });

  it('fails with code 50 naming a missing /dev/net/tun and what fixes it', async () => {
    // /dev/net hidden by an empty tmpfs, in a mount namespace of this call only.
    const hideDevNet = 'mount -t tmpfs none /dev/net && exec "$0"';
    const out = await status({}, {}, ['unshare', '--mount', '--', 'sh', '-c', hideDevNet]);
    expect(out.exitCode).toBe(1);
    expect(out.json).toMatchObject({ cniVersion: '1.1.0', code: 50 });
    expect(out.json.msg).toContain('/dev/net/tun: /dev/net/tun does not exist');
    expect(out.json.details).toContain('(fix: modprobe tun');
  });

  it('fails with code 50 naming missing capabilities', async () => {
    const out = await status({}, {}, withoutCapabilities(['net_admin', 'sys_admin']));
    expect(out.json).toMatchObject({ code: 50 });
    expect(out.json.msg).toContain('CAP_NET_ADMIN: missing');
    expect(out.json.msg).toContain('CAP_SYS_ADMIN: missing');
  });

  it('with the iproute2 backend, fails with code 50 naming a missing tc and its package', async () => {
    if ((await backendName()) !== 'iproute2') return;
    const bin = tempDir();
    // `node` too: the Node.js entry is a script run by it.
    for (const tool of ['node', 'setpriv', 'nsenter', 'ip']) {
      symlinkSync((await sh('which', [tool])).trim(), join(bin, tool));
    }
    const out = await status({ PATH: bin });
    expect(out.json).toMatchObject({ code: 50 });
    expect(out.json.msg).toContain('tc: not found on PATH');
    expect(out.json.details).toContain('tc: not found on PATH (fix: apt-get install iproute2)');
  });

  it('refuses a config of an older version (code 1) and a bad config (code 7)', async () => {
    const old = await cni({ command: 'STATUS', config: netconf('1.0.0'), env: NO_CONTAINER });
    expect(old.json).toMatchObject({ code: 1 });
    const bad = await status({}, { mtu: 10 });
    expect(bad.json).toMatchObject({ code: 7 });
  });
});
