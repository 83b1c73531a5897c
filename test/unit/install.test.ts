// install's pieces without root: the runtime dependency closure and --chain-into.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runtimeDependencies, sourceRoot } from '../../src/cli/bundle.js';
import { chainInto, findChainTarget } from '../../src/cli/chain-into.js';
import { launcher } from '../../src/cli/install-command.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
function confDir(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'urunc-tap-conf-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(
      join(dir, name),
      typeof content === 'string' ? content : JSON.stringify(content),
      { mode: 0o640 },
    );
  }
  return dir;
}
const ptp = { cniVersion: '1.0.0', name: 'podnet', plugins: [{ type: 'ptp' }] };

describe('runtimeDependencies', () => {
  it('holds the runtime dependencies and theirs, and no dev tool', () => {
    const deps = runtimeDependencies(sourceRoot());
    expect(deps).toEqual(
      expect.arrayContaining(['ajv', 'execa', 'yargs', 'cross-spawn', 'yargs-parser']),
    );
    expect(deps).not.toContain('vitest');
    expect(deps).not.toContain('typescript');
    expect(deps).not.toContain('prettier');
  });
});

describe('--chain-into', () => {
  it('finds the conflist by file name, by file name without extension, or by network name', () => {
    const dir = confDir({ '10-ptp.conflist': ptp, '99-other.conf': { name: 'other', type: 'x' } });
    for (const name of ['10-ptp.conflist', '10-ptp', 'podnet']) {
      expect(findChainTarget(dir, name).file).toBe(join(dir, '10-ptp.conflist'));
    }
  });

  it('appends {"type":"urunc-tap"}, keeps a backup libcni will not load, keeps the mode', () => {
    const dir = confDir({ '10-ptp.conflist': ptp });
    const file = join(dir, '10-ptp.conflist');
    const backup = chainInto(findChainTarget(dir, 'podnet'), new Date('2026-01-02T03:04:05.678Z'));
    expect(backup).toBe(`${file}.urunc-tap-20260102T030405Z.bak`);
    expect(JSON.parse(readFileSync(backup, 'utf8'))).toEqual(ptp);
    expect(JSON.parse(readFileSync(file, 'utf8')).plugins).toEqual([
      { type: 'ptp' },
      { type: 'urunc-tap' },
    ]);
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir).sort()).toEqual([
      '10-ptp.conflist',
      '10-ptp.conflist.urunc-tap-20260102T030405Z.bak',
    ]);
  });

  it.each([
    [
      { '10-ptp.conflist': { ...ptp, plugins: [{ type: 'ptp' }, { type: 'urunc-tap' }] } },
      'podnet',
      'already chains urunc-tap',
    ],
    [{ '10-ptp.conflist': ptp }, 'nope', 'found none'],
    [{ 'a.conflist': ptp, 'b.conflist': ptp }, 'podnet', 'found a.conflist, b.conflist'],
    [{ '10-ptp.conf': { name: 'podnet', type: 'ptp' } }, 'podnet', 'is not a conflist'],
    [{ '10-ptp.conflist': '{oops' }, '10-ptp', 'is not valid JSON'],
  ])('refuses %j with %s, changing nothing', (files, name, message) => {
    const dir = confDir(files);
    const before = readdirSync(dir).map((file) => readFileSync(join(dir, file), 'utf8'));
    expect(() => findChainTarget(dir, name)).toThrow(message);
    expect(readdirSync(dir).map((file) => readFileSync(join(dir, file), 'utf8'))).toEqual(before);
  });
});

describe('launcher', () => {
  it('pins the Node.js that installed it and names its bundle', () => {
    const text = launcher('0.1.0-abc-123456', '0.1.0');
    expect(text.split('\n')[0]).toBe(`#!${process.execPath}`);
    expect(text).toContain('const bundle = "0.1.0-abc-123456";');
    expect(text).not.toContain(sourceRoot());
  });
});
