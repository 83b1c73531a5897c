// The verb log (logFile, logLevel) with the built plugin: JSON lines of what ADD and DEL did,
// nothing extra on stdout, and a log file that cannot be written never fails a verb.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect } from 'vitest';
import { test } from '../helpers/fixtures.js';
import { redirectTargets } from '../helpers/observe.js';
import { cni, netconf } from '../helpers/plugin.js';
import { noNetns } from '../helpers/tier.js';

const temps: string[] = [];
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'urunc-tap-logs-'));
  temps.push(dir);
  return dir;
}
const read = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));

describe.skipIf(noNetns).concurrent('logFile', () => {
  test('gets one JSON line per change and one per verb, with who, where and how long', async ({
    pod: makePod,
  }) => {
    const pod = await makePod();
    const file = join(tempDir(), 'log', 'urunc-tap.log');
    const config = netconf('1.0.0', { name: 'log-net', logFile: file });
    const common = { netns: pod.netns, containerId: 'ctr-log' };
    const added = await cni({ command: 'ADD', config, ...common });
    expect(added.exitCode, added.stderr).toBe(0);
    // stdout is the result alone: the log never goes there.
    expect(Object.keys(JSON.parse(added.stdout))).toEqual(['cniVersion', 'interfaces']);
    const deleted = await cni({ command: 'DEL', config, ...common });
    expect(deleted).toMatchObject({ exitCode: 0, stdout: '' });

    const lines = read(file);
    const identity = {
      network: 'log-net',
      containerId: 'ctr-log',
      netns: pod.netns,
      ifname: 'eth0',
    };
    for (const line of lines) {
      expect(line).toMatchObject({ level: 'info', ...identity });
      expect(Date.parse(line.time)).not.toBeNaN();
    }
    expect(lines.map((line) => `${line.verb} ${line.msg}`)).toEqual([
      expect.stringMatching(/^ADD created tap tap0_urunc \(mtu 1500, mac [0-9a-f:]{17}\)$/),
      'ADD added ingress qdisc on eth0',
      'ADD added redirect eth0 -> tap0_urunc',
      'ADD added ingress qdisc on tap0_urunc',
      'ADD added redirect tap0_urunc -> eth0',
      'ADD ok',
      'DEL deleted ingress qdisc on eth0',
      'DEL deleted tap0_urunc',
      'DEL ok',
    ]);
    expect(lines[5]).toMatchObject({
      durationMs: expect.any(Number),
      created: [
        'tap tap0_urunc',
        'ingress qdisc on eth0',
        'redirect eth0 -> tap0_urunc',
        'ingress qdisc on tap0_urunc',
        'redirect tap0_urunc -> eth0',
      ],
      removed: [],
    });
    expect(lines[8]).toMatchObject({
      removed: ['ingress qdisc on eth0', 'tap tap0_urunc'],
      created: [],
    });
    // The stderr lines for the runtime's log are unchanged.
    expect(added.stderr).toContain(
      `urunc-tap ADD container=ctr-log netns=${pod.netns} ifname=eth0: ok in`,
    );
  });

  test('logs failures with their CNI code; logLevel error keeps only those', async ({
    pod: makePod,
  }) => {
    const pod = await makePod();
    const file = join(tempDir(), 'errors.log');
    const config = netconf('1.0.0', { logFile: file, logLevel: 'error' });
    expect((await cni({ command: 'ADD', config, netns: pod.netns })).exitCode).toBe(0);
    expect(existsSync(file)).toBe(false);
    const failed = await cni({ command: 'ADD', config, netns: pod.netns, ifname: 'eth9' });
    expect(failed.json).toMatchObject({ code: 101 });
    expect(read(file)).toEqual([
      expect.objectContaining({
        level: 'error',
        verb: 'ADD',
        ifname: 'eth9',
        msg: 'failed',
        code: 101,
      }),
    ]);
  });

  test.for([
    ['a path under a regular file', '/proc/version/urunc-tap.log'],
    ['a directory', '/tmp'],
    ['a read-only file system', '/proc/urunc-tap.log'],
  ])('that cannot be written (%s) never fails the verb', async ([, file], { pod: makePod }) => {
    const pod = await makePod();
    const config = netconf('1.0.0', { logFile: file });
    const added = await cni({ command: 'ADD', config, netns: pod.netns });
    expect(added.exitCode, added.stdout).toBe(0);
    expect(added.json.interfaces[0].name).toBe('tap0_urunc');
    expect(added.stderr).toContain(`: cannot write log file ${file}: `);
    expect(await redirectTargets(pod.ns, 'eth0')).toEqual(['tap0_urunc']);
    const deleted = await cni({ command: 'DEL', config, netns: pod.netns });
    expect(deleted).toMatchObject({ exitCode: 0, stdout: '' });
  });

  test('a relative or non-string logFile is a config error (code 7), like any bad key', async ({
    pod: makePod,
  }) => {
    const pod = await makePod();
    for (const logFile of ['relative.log', 42]) {
      const out = await cni({
        command: 'ADD',
        config: netconf('1.0.0', { logFile }),
        netns: pod.netns,
      });
      expect(out.json).toMatchObject({ code: 7 });
      expect(out.json.msg).toContain('config key "logFile" has invalid value');
    }
    const level = await cni({
      command: 'ADD',
      config: netconf('1.0.0', { logLevel: 'loud' }),
      netns: pod.netns,
    });
    expect(level.json.msg).toContain('config key "logLevel" has invalid value "loud"');
  });
});
