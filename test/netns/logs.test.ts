// The verb log (logFile, logLevel) with the built plugin: JSON lines of what ADD and DEL did,
// nothing extra on stdout, a log file that cannot be written never fails a verb, and the log
// stays in its directory (a config writer must not make root write anywhere else).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect } from 'vitest';
import { test } from '../helpers/fixtures.js';
import { redirectTargets } from '../helpers/observe.js';
import { cni, netconf } from '../helpers/plugin.js';
import { noNetns } from '../helpers/tier.js';

/** The one directory log files may be in (src/cni/log-file.ts). */
const LOG_DIR = '/var/log/urunc-tap';
const made: string[] = [];
afterAll(() => made.forEach((path) => rmSync(path, { recursive: true, force: true })));
/** A fresh file name in the log directory, removed after the tests. */
function logPath(): string {
  const path = join(LOG_DIR, `test-${randomBytes(6).toString('hex')}.log`);
  made.push(path);
  return path;
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
    const file = logPath();
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
    const file = logPath();
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
    ['a directory in its place', (file: string) => mkdirSync(file, { recursive: true })],
    [
      'a symlink planted in its place (never followed)',
      (file: string) => symlinkSync(`${file}.target`, file),
    ],
  ] as const)(
    'that cannot be written (%s) never fails the verb',
    async ([, plant], { pod: makePod }) => {
      const pod = await makePod();
      const file = logPath();
      mkdirSync(LOG_DIR, { recursive: true });
      plant(file);
      made.push(`${file}.target`);
      const config = netconf('1.0.0', { logFile: file });
      const added = await cni({ command: 'ADD', config, netns: pod.netns });
      expect(added.exitCode, added.stdout).toBe(0);
      expect(added.json.interfaces[0].name).toBe('tap0_urunc');
      expect(added.stderr).toContain(`: cannot write log file ${file}: `);
      expect(existsSync(`${file}.target`)).toBe(false);
      expect(await redirectTargets(pod.ns, 'eth0')).toEqual(['tap0_urunc']);
      const deleted = await cni({ command: 'DEL', config, netns: pod.netns });
      expect(deleted).toMatchObject({ exitCode: 0, stdout: '' });
    },
  );

  test('outside its directory is refused by ADD (code 7) and ignored by DEL, never written', async ({
    pod: makePod,
  }) => {
    const pod = await makePod();
    const outside = `/tmp/urunc-tap-log-${randomBytes(6).toString('hex')}.log`;
    made.push(outside);
    const config = netconf('1.0.0', { logFile: outside });
    const refused = await cni({ command: 'ADD', config, netns: pod.netns });
    expect(refused.json).toMatchObject({ code: 7 });
    expect(refused.json.msg).toContain(`config key "logFile" has invalid value "${outside}"`);
    expect(refused.json.msg).toContain(`must be a file directly in ${LOG_DIR}`);
    expect(await redirectTargets(pod.ns, 'eth0')).toEqual([]);
    // Wired with a good config, then the config is changed (a tenant edits its attachment):
    // DEL still cleans up, and says why it did not log.
    expect(
      (await cni({ command: 'ADD', config: netconf('1.0.0'), netns: pod.netns })).exitCode,
    ).toBe(0);
    const deleted = await cni({ command: 'DEL', config, netns: pod.netns });
    expect(deleted).toMatchObject({ exitCode: 0, stdout: '' });
    expect(deleted.stderr).toContain(
      `logFile ${outside} ignored: must be a file directly in ${LOG_DIR}`,
    );
    expect(await redirectTargets(pod.ns, 'eth0')).toEqual([]);
    expect(existsSync(outside)).toBe(false);
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
