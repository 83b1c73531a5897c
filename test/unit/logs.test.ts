// The verb log: settings, levels, line shape, and a file that cannot be written.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CniError } from '../../src/cni/errors.js';
import { appendLog, logEvent, logSettings, LOG_LEVELS } from '../../src/cni/log-file.js';
import { writeVerbLog } from '../../src/cni/verb-log.js';
import { opFields } from '../../src/plugin/op-fields.js';
import schema from '../../schemas/urunc-tap-config.schema.json' with { type: 'json' };

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'urunc-tap-log-'));
  dirs.push(dir);
  return dir;
};
const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));

describe('log settings', () => {
  it('match the schema: the same levels, info by default', () => {
    expect(schema.properties.logLevel.enum).toEqual([...LOG_LEVELS]);
    expect(logSettings({ logFile: '/var/log/u.log' })).toEqual({
      file: '/var/log/u.log',
      level: 'info',
    });
    expect(logSettings({ logFile: '/x', logLevel: 'debug' })).toEqual({
      file: '/x',
      level: 'debug',
    });
  });

  it('are absent without an absolute logFile', () => {
    expect(logSettings(undefined)).toBeUndefined();
    expect(logSettings({})).toBeUndefined();
    expect(logSettings({ logFile: 'relative.log' })).toBeUndefined();
  });
});

describe('appendLog', () => {
  it('writes JSON lines at or above the level, creating the directory', () => {
    const file = join(tempDir(), 'sub', 'urunc-tap.log');
    const events = [
      logEvent('a debug detail', { level: 'debug' }),
      logEvent('created tap tap0_urunc', { change: 'created' }),
      logEvent('something failed', { level: 'error' }),
    ];
    expect(appendLog({ file, level: 'info' }, { verb: 'ADD' }, events)).toBeUndefined();
    expect(lines(file)).toEqual([
      {
        time: expect.any(String),
        level: 'info',
        verb: 'ADD',
        msg: 'created tap tap0_urunc',
        change: 'created',
      },
      { time: expect.any(String), level: 'error', verb: 'ADD', msg: 'something failed' },
    ]);
    appendLog({ file, level: 'error' }, { verb: 'DEL' }, events);
    expect(lines(file)).toHaveLength(3);
  });

  it('returns why a file cannot be written instead of throwing', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a-file'), '');
    const problem = appendLog({ file: join(dir, 'a-file', 'log'), level: 'info' }, {}, [
      logEvent('x'),
    ]);
    expect(problem).toMatch(/ENOTDIR|EEXIST/);
  });
});

describe('writeVerbLog', () => {
  it('closes a verb with its outcome, duration, and what it created and removed', () => {
    const file = join(tempDir(), 'verbs.log');
    const outcome = {
      exitCode: 0,
      command: 'DEL',
      env: {
        command: 'DEL' as const,
        containerId: 'c1',
        netns: '/run/netns/p',
        ifname: 'eth0',
        args: new Map(),
        path: [],
      },
      config: { cniVersion: '1.0.0', name: 'net1', type: 'urunc-tap', logFile: file },
    };
    const events = [
      logEvent('deleted tap0_urunc', opFields({ op: 'delete-link', name: 'tap0_urunc' })),
      logEvent(
        'deleted ingress qdisc on eth0',
        opFields({ op: 'delete-ingress-qdisc', dev: 'eth0' }),
      ),
    ];
    expect(writeVerbLog(outcome, events, 42)).toBeUndefined();
    const written = lines(file);
    expect(written[0]).toMatchObject({
      level: 'info',
      verb: 'DEL',
      network: 'net1',
      containerId: 'c1',
      netns: '/run/netns/p',
      ifname: 'eth0',
      msg: 'deleted tap0_urunc',
      op: 'delete-link',
      change: 'removed',
      object: 'tap tap0_urunc',
    });
    expect(written[2]).toMatchObject({
      msg: 'ok',
      durationMs: 42,
      created: [],
      removed: ['tap tap0_urunc', 'ingress qdisc on eth0'],
    });
  });

  it('logs a failure with its CNI code, and says when the file is unwritable', () => {
    const file = join(tempDir(), 'f.log');
    const error = new CniError(100, 'tc failed', 'details');
    writeVerbLog(
      { exitCode: 1, command: 'ADD', config: { name: 'n', logFile: file }, error },
      [],
      5,
    );
    expect(lines(file)[0]).toMatchObject({
      level: 'error',
      msg: 'failed',
      code: 100,
      error: 'tc failed',
    });
    const problem = writeVerbLog(
      { exitCode: 0, command: 'ADD', config: { logFile: '/proc/version/nope.log' } },
      [],
      1,
    );
    expect(problem).toMatch(/^cannot write log file \/proc\/version\/nope.log: /);
  });
});
