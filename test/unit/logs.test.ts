// The verb log: settings confined to /var/log/urunc-tap, levels, line shape, a file that
// cannot be written, and a symlink planted in the log's place.
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CniError } from '../../src/cni/errors.js';
import {
  LOG_DIR,
  LOG_LEVELS,
  logEvent,
  logFileProblem,
  logSettings,
  passes,
} from '../../src/cni/log-file.js';
import { appendLog, writeVerbLog } from '../../src/cni/verb-log.js';
import { describeChange, type Change } from '../../src/net/changes.js';
import schema from '../../schemas/urunc-tap-config.schema.json' with { type: 'json' };

const made: string[] = [];
afterEach(() => made.splice(0).forEach((path) => rmSync(path, { recursive: true, force: true })));
/** A fresh name in the log directory (the only place a log may be), removed after the test. */
const logPath = () => {
  const path = join(LOG_DIR, `unit-${process.pid}-${randomBytes(4).toString('hex')}.log`);
  made.push(path);
  return path;
};
const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
/** A change's log event, as converge's apply logs it. */
const changeEvent = (change: Change) => {
  const { text, ...fields } = describeChange(change);
  return logEvent(text, { op: change.op, ...fields });
};

describe('log settings', () => {
  it('match the schema: the same levels, info by default', () => {
    expect(schema.properties.logLevel.enum).toEqual([...LOG_LEVELS]);
    expect(logSettings({ logFile: '/var/log/urunc-tap/u.log' })).toEqual({
      file: '/var/log/urunc-tap/u.log',
      level: 'info',
    });
    expect(logSettings({ logFile: '/var/log/urunc-tap/u.log', logLevel: 'debug' })).toEqual({
      file: '/var/log/urunc-tap/u.log',
      level: 'debug',
    });
    expect(logSettings({ logFile: '/var/log/urunc-tap/u.log', logLevel: 'loud' })).toMatchObject({
      level: 'info',
    });
  });

  it('are absent without a logFile directly in the log directory', () => {
    expect(logSettings(undefined)).toBeUndefined();
    expect(logSettings({})).toBeUndefined();
    expect(logSettings({ logFile: 42 })).toBeUndefined();
    expect(logSettings({ logFile: 'relative.log' })).toBeUndefined();
    expect(logSettings({ logFile: '/var/log/u.log' })).toBeUndefined();
    expect(logSettings({ logFile: '/etc/cron.d/x' })).toBeUndefined();
  });
});

describe('logFileProblem', () => {
  it.each([
    '/var/log/urunc-tap/urunc-tap.log',
    '/var/log/urunc-tap/net1_ctr-1.log',
    '/var/log/urunc-tap/a',
  ])('accepts %s', (path) => {
    expect(logFileProblem(path)).toBeUndefined();
  });

  it.each([
    '/var/log/urunc-tap',
    '/var/log/urunc-tap/',
    '/var/log/urunc-tap/../../../etc/passwd',
    '/var/log/urunc-tap/./x.log',
    '/var/log/urunc-tap/sub/x.log',
    '/var/log/urunc-tap//x.log',
    '/var/log/urunc-tap/.x',
    '/var/log/urunc-tap/x y',
    '/var/log/urunc-tap-evil/x.log',
    'var/log/urunc-tap/x.log',
  ])('refuses %j', (path) => {
    expect(logFileProblem(path)).toBe(
      'must be a file directly in /var/log/urunc-tap, named with letters, digits, "_", "." and "-"',
    );
  });
});

describe('passes', () => {
  it('keeps a level and everything more severe', () => {
    expect(LOG_LEVELS.filter((level) => passes(level, 'warn'))).toEqual(['error', 'warn']);
    expect(LOG_LEVELS.filter((level) => passes(level, 'debug'))).toEqual([...LOG_LEVELS]);
  });
});

describe('appendLog', () => {
  it('appends JSON lines at or above the level: time, level, context, message, fields', () => {
    const file = logPath();
    const events = [
      logEvent('a debug detail', { level: 'debug' }),
      logEvent('created tap tap0_urunc', { change: 'created' }),
      logEvent('something failed', { level: 'error' }),
    ];
    expect(appendLog({ file, level: 'info' }, { verb: 'ADD' }, events)).toBeUndefined();
    expect(lines(file)).toEqual([
      {
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        level: 'info',
        verb: 'ADD',
        msg: 'created tap tap0_urunc',
        change: 'created',
      },
      { time: expect.any(String), level: 'error', verb: 'ADD', msg: 'something failed' },
    ]);
    appendLog({ file, level: 'error' }, { verb: 'DEL' }, events);
    expect(lines(file).map((line) => `${line.verb} ${line.msg}`)).toEqual([
      'ADD created tap tap0_urunc',
      'ADD something failed',
      'DEL something failed',
    ]);
  });

  it('writes nothing, not even an empty file, when no event passes the level', () => {
    const file = logPath();
    expect(appendLog({ file, level: 'error' }, {}, [logEvent('x')])).toBeUndefined();
    expect(existsSync(file)).toBe(false);
  });

  it('never follows a symlink planted in place of the log', () => {
    const target = join(mkdtempSync(join(tmpdir(), 'urunc-tap-log-')), 'target');
    made.push(join(target, '..'));
    writeFileSync(target, 'untouched\n');
    const file = logPath();
    symlinkSync(target, file);
    const problem = appendLog({ file, level: 'info' }, {}, [logEvent('x')]);
    expect(problem).toMatch(/ELOOP/);
    expect(readFileSync(target, 'utf8')).toBe('untouched\n');
  });

  it('returns why a file cannot be written instead of throwing', () => {
    const dir = logPath();
    mkdirSync(dir);
    expect(appendLog({ file: dir, level: 'info' }, {}, [logEvent('x')])).toMatch(/EISDIR/);
  });
});

describe('writeVerbLog', () => {
  it('closes a verb with its outcome, duration, and what it created and removed', () => {
    const file = logPath();
    const outcome = {
      exitCode: 0,
      command: 'DEL',
      env: {
        command: 'DEL' as const,
        containerId: 'c1',
        netns: '/run/netns/p',
        ifname: 'eth0',
        args: new Map(),
      },
      config: { cniVersion: '1.0.0', name: 'net1', type: 'urunc-tap', logFile: file },
      warnings: [],
    };
    const events = [
      changeEvent({ op: 'delete-link', name: 'tap0_urunc' }),
      changeEvent({ op: 'delete-ingress-qdisc', dev: 'eth0' }),
    ];
    expect(writeVerbLog(outcome, events, 42)).toBeUndefined();
    const written = lines(file);
    expect(written).toHaveLength(3);
    expect(written[0]).toEqual({
      time: expect.any(String),
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
      level: 'info',
      msg: 'ok',
      durationMs: 42,
      created: [],
      removed: ['tap tap0_urunc', 'ingress qdisc on eth0'],
    });
  });

  it('logs a failure with its CNI code, and says when the file is unwritable', () => {
    const file = logPath();
    const error = new CniError(100, 'tc failed', 'details');
    const failed = { exitCode: 1, command: 'ADD', warnings: [], error };
    writeVerbLog({ ...failed, config: { name: 'n', logFile: file } }, [], 5);
    expect(lines(file)).toEqual([
      {
        time: expect.any(String),
        level: 'error',
        verb: 'ADD',
        network: 'n',
        msg: 'failed',
        durationMs: 5,
        created: [],
        removed: [],
        code: 100,
        error: 'tc failed',
        details: 'details',
      },
    ]);
    const dir = logPath();
    mkdirSync(dir);
    const problem = writeVerbLog({ ...failed, config: { logFile: dir } }, [], 1);
    expect(problem).toMatch(new RegExp(`^cannot write log file ${dir}: EISDIR`));
  });

  it('writes nothing for a logFile outside the log directory', () => {
    const outside = join(mkdtempSync(join(tmpdir(), 'urunc-tap-log-')), 'x.log');
    made.push(join(outside, '..'));
    const outcome = { exitCode: 0, command: 'ADD', warnings: [], config: { logFile: outside } };
    expect(writeVerbLog(outcome, [logEvent('x')], 1)).toBeUndefined();
    expect(existsSync(outside)).toBe(false);
  });
});
