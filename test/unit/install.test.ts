// install's pieces without root, on real files: which conflist a runtime loads first, the derived
// conflist, atomic writes, --chain-into's refusals, the option rules, --watch in-process, and
// the one-line error messages.
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { copyFileAtomic, removeStaleTemps, writeFileAtomic } from '../../src/cli/atomic-file.js';
import { chainInto, findChainTarget, writeChained } from '../../src/cli/chain-into.js';
import { CommandError } from '../../src/cli/command-error.js';
import {
  chainedConflist,
  confFiles,
  goExt,
  loadConflist,
  primaryConflist,
  uruncTapEntry,
} from '../../src/cli/conflist-files.js';
import {
  checkDistinctDirs,
  derive,
  describeSync,
  syncDerived,
} from '../../src/cli/install-files.js';
import { installUsageProblem, type InstallOptions } from '../../src/cli/install-usage.js';
import { watchChained, watchPrimary } from '../../src/cli/install-watch.js';
import { operatorMessage } from '../../src/cli/operator-message.js';
import { urunctapVersion } from '../../src/cli/version.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'urunc-tap-install-'));
  dirs.push(dir);
  return dir;
}
function confDir(files: Record<string, unknown>): string {
  const dir = tempDir();
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(
      join(dir, name),
      typeof content === 'string' ? content : JSON.stringify(content),
      { mode: 0o640 },
    );
  }
  return dir;
}
/** Every file of `dir` with its content: what "nothing changed" is checked against. */
function contents(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((name) => [name, readFileSync(join(dir, name), 'utf8')]),
  );
}
const ptp = { cniVersion: '1.0.0', name: 'podnet', plugins: [{ type: 'ptp' }] };
const annotated = uruncTapEntry('example.com/urunc-tap');

describe('the primary conflist (libcni and containerd order)', () => {
  it('lists .conf, .conflist and .json files in byte order, dot-files too, not dirs or other extensions', () => {
    const dir = confDir({
      'b.conf': { name: 'b', type: 'bridge' },
      'a.json': { name: 'a', type: 'bridge' },
      'Z.conflist': ptp,
      '.hidden.conflist': ptp,
      '10-x.conflist.bak': ptp,
      '10-x.conflist.tmp': ptp,
      README: 'not a conf file',
    });
    mkdirSync(join(dir, '00-dir.conflist'));
    symlinkSync(join(dir, 'a.json'), join(dir, 'c-link.conf'));
    expect(confFiles(dir).map((file) => file.slice(dir.length + 1))).toEqual([
      '.hidden.conflist',
      'Z.conflist',
      'a.json',
      'b.conf',
      'c-link.conf',
    ]);
  });

  it("names extensions as Go's filepath.Ext: a dot-file's whole name, never a directory's dot", () => {
    expect(goExt('/etc/cni/net.d/10-ptp.conflist')).toBe('.conflist');
    expect(goExt('/etc/cni/net.d/.conflist')).toBe('.conflist');
    expect(goExt('/etc/cni/net.d/a.b.conf')).toBe('.conf');
    expect(goExt('/etc/cni/net.d/10-ptp')).toBe('');
  });

  it('takes the first file, and fails on a first file that is broken rather than taking the next', () => {
    expect(
      primaryConflist(confDir({ '20-b.conflist': ptp, '10-a.conf': { name: 'a', type: 'x' } })),
    ).toMatchObject({ conflist: { name: 'a' } });
    const broken = confDir({ '10-a.conflist': '{oops', '20-b.conflist': ptp });
    expect(() => primaryConflist(broken)).toThrow(
      new RegExp(`^${broken}/10-a.conflist is not valid JSON`),
    );
    expect(primaryConflist(confDir({ 'x.txt': ptp }))).toBeUndefined();
  });

  it('makes a single-plugin .conf or .json a list of that one plugin, under its name and version', () => {
    const conf = { cniVersion: '0.4.0', name: 'single', type: 'bridge', bridge: 'cni0' };
    const dir = confDir({ '10-single.conf': conf, '20-single.json': conf });
    for (const file of confFiles(dir)) {
      expect(loadConflist(file)).toEqual({ name: 'single', cniVersion: '0.4.0', plugins: [conf] });
    }
  });

  it.each([
    ['10.conflist', '{oops', 'is not valid JSON'],
    ['10.conflist', '[1]', 'is not a JSON object'],
    ['10.conflist', { plugins: [{ type: 'ptp' }] }, 'has no network "name"'],
    ['10.conflist', { name: 'n', plugins: [] }, 'no "plugins" list (or an empty one)'],
    [
      '10.conflist',
      { name: 'n', plugins: [{ ipam: {} }] },
      'has a plugin (number 0) with no "type"',
    ],
    ['10.conf', ptp, 'has no plugin "type"'],
    ['10.conf', { type: 'bridge' }, 'has no network "name"'],
  ])('refuses %s holding %j: %s', (name, content, message) => {
    const dir = confDir({ [name]: content });
    expect(() => loadConflist(join(dir, name))).toThrow(`${join(dir, name)} `);
    expect(() => loadConflist(join(dir, name))).toThrow(message);
  });

  it('refuses a conf dir that does not exist, naming it', () => {
    const dir = join(tempDir(), 'nope');
    expect(() => confFiles(dir)).toThrow(
      `cannot read the conf dir ${dir}: no such file or directory (ENOENT)`,
    );
  });
});

describe('the derived conflist', () => {
  it('appends urunc-tap and keeps everything else, the network name first of all', () => {
    const calico = {
      name: 'k8s-pod-network',
      cniVersion: '0.3.1',
      plugins: [{ type: 'calico', ipam: { type: 'calico-ipam' } }, { type: 'portmap' }],
    };
    expect(chainedConflist(calico, uruncTapEntry())).toEqual({
      conflist: { ...calico, plugins: [...calico.plugins, { type: 'urunc-tap' }] },
      alreadyChained: false,
    });
    const chained = { ...ptp, plugins: [{ type: 'ptp' }, { type: 'urunc-tap', tapName: 't' }] };
    expect(chainedConflist(chained, uruncTapEntry())).toEqual({
      conflist: chained,
      alreadyChained: true,
    });
  });

  it('gates on a pod annotation when asked, declaring the capability containerd needs to pass it', () => {
    expect(annotated).toEqual({
      type: 'urunc-tap',
      podAnnotation: 'example.com/urunc-tap',
      capabilities: { 'io.kubernetes.cri.pod-annotations': true },
    });
  });

  it('is written as 00-urunc-tap.conflist, mode 0644, left alone when up to date, removed with the primary', () => {
    const primary = confDir({ '10-ptp.conflist': ptp, '99-other.conf': { name: 'o', type: 'x' } });
    const before = contents(primary);
    const target = join(tempDir(), 'urunc.d');
    const file = join(target, '00-urunc-tap.conflist');
    const first = syncDerived(target, derive(primary, uruncTapEntry()));
    expect(first).toEqual({
      kind: 'written',
      file,
      primary: join(primary, '10-ptp.conflist'),
      network: 'podnet',
      outcome: 'created',
      alreadyChained: false,
    });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      ...ptp,
      plugins: [{ type: 'ptp' }, { type: 'urunc-tap' }],
    });
    expect(statSync(file).mode & 0o777).toBe(0o644);
    const { ino, mtimeMs } = statSync(file);
    expect(syncDerived(target, derive(primary, uruncTapEntry()))).toMatchObject({
      outcome: 'unchanged',
    });
    expect(statSync(file)).toMatchObject({ ino, mtimeMs });
    expect(contents(primary)).toEqual(before);

    rmSync(join(primary, '10-ptp.conflist'));
    rmSync(join(primary, '99-other.conf'));
    expect(syncDerived(target, derive(primary, uruncTapEntry()))).toEqual({
      kind: 'no-primary',
      file,
      removed: true,
    });
    expect(readdirSync(target)).toEqual([]);
  });

  it('warns when another file of the conf dir sorts first (containerd would load that one)', () => {
    const primary = confDir({ '10-ptp.conflist': ptp });
    const target = confDir({ '00-aaa.conflist': ptp });
    const result = syncDerived(target, derive(primary, uruncTapEntry()));
    expect(result).toMatchObject({ shadowedBy: join(target, '00-aaa.conflist') });
    expect(describeSync(result, primary)[1]).toBe(
      `warning: ${target}/00-aaa.conflist sorts before ${target}/00-urunc-tap.conflist: containerd loads that one for the urunc handler, not urunc-tap's`,
    );
  });

  it('refuses a --conf-dir that is the --primary-conf-dir, through a symlink too', () => {
    const primary = tempDir();
    const link = join(tempDir(), 'link');
    symlinkSync(primary, link);
    expect(() => checkDistinctDirs(primary, link)).toThrow(CommandError);
    expect(() => checkDistinctDirs(primary, link)).toThrow('is the --primary-conf-dir');
    expect(() => checkDistinctDirs(primary, tempDir())).not.toThrow();
  });
});

describe('atomic writes', () => {
  it('creates, leaves an identical file alone (same inode and mtime), replaces by rename', () => {
    const dir = tempDir();
    const file = join(dir, 'f.conflist');
    expect(writeFileAtomic(file, 'one\n', 0o644)).toBe('created');
    const { ino, mtimeMs } = statSync(file);
    expect(writeFileAtomic(file, 'one\n', 0o644)).toBe('unchanged');
    expect(statSync(file)).toMatchObject({ ino, mtimeMs });
    expect(writeFileAtomic(file, 'two\n', 0o644)).toBe('replaced');
    expect(statSync(file).ino).not.toBe(ino);
    expect(readFileSync(file, 'utf8')).toBe('two\n');
    // A wrong mode is a difference too.
    chmodSync(file, 0o600);
    expect(writeFileAtomic(file, 'two\n', 0o644)).toBe('replaced');
    expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(readdirSync(dir)).toEqual(['f.conflist']);
  });

  it('replaces only what its content was made from: a file written meanwhile stays as it is', () => {
    const dir = tempDir();
    const file = join(dir, 'f.conflist');
    writeFileSync(file, 'one\n');
    expect(writeFileAtomic(file, 'two\n', 0o644, Buffer.from('one\n'))).toBe('replaced');
    // Made from "one", but someone wrote "two" since: theirs stays, and no temp file is left.
    expect(() => writeFileAtomic(file, 'three\n', 0o644, Buffer.from('one\n'))).toThrow(
      `${file} was written by someone else meanwhile: left as they wrote it`,
    );
    expect(readFileSync(file, 'utf8')).toBe('two\n');
    expect(readdirSync(dir)).toEqual(['f.conflist']);
  });

  it('copies a file the same way, with the mode given', () => {
    const dir = tempDir();
    const source = join(dir, 'source');
    writeFileSync(source, Buffer.alloc(3 << 20, 7), { mode: 0o600 });
    const target = join(dir, 'urunc-tap');
    expect(copyFileAtomic(source, target, 0o755)).toBe('created');
    expect(statSync(target).mode & 0o777).toBe(0o755);
    const { ino } = statSync(target);
    expect(copyFileAtomic(source, target, 0o755)).toBe('unchanged');
    expect(statSync(target).ino).toBe(ino);
    // The last byte of the last chunk differs: compared to the end.
    writeFileSync(source, Buffer.concat([Buffer.alloc((3 << 20) - 1, 7), Buffer.from([8])]));
    expect(copyFileAtomic(source, target, 0o755)).toBe('replaced');
    expect(readFileSync(target).equals(readFileSync(source))).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['source', 'urunc-tap']);
  });

  it('fails with one line naming the path, and leaves no temp file', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'not-a-dir'), '');
    expect(() => writeFileAtomic(join(dir, 'not-a-dir', 'f'), 'x', 0o644)).toThrow(
      `cannot write ${dir}/not-a-dir/f: a component of the path is not a directory (ENOTDIR)`,
    );
    // The rename fails (a directory is in the way): the temp file written first is removed.
    mkdirSync(join(dir, 'in-the-way'));
    writeFileSync(join(dir, 'in-the-way', 'x'), '');
    expect(() => writeFileAtomic(join(dir, 'in-the-way'), 'x', 0o644)).toThrow(
      `cannot write ${dir}/in-the-way: `,
    );
    expect(() => copyFileAtomic(join(dir, 'missing'), join(dir, 'copy'), 0o755)).toThrow(
      `cannot read ${dir}/missing: no such file or directory (ENOENT)`,
    );
    expect(readdirSync(dir).sort()).toEqual(['in-the-way', 'not-a-dir']);
  });

  it('removes temp files a killed install left (older than 5 minutes), no others', () => {
    const dir = tempDir();
    const target = join(dir, '00-urunc-tap.conflist');
    const old = join(dir, '.00-urunc-tap.conflist.123-0a1b2c3d.tmp');
    const fresh = join(dir, '.00-urunc-tap.conflist.456-0a1b2c3d.tmp');
    const other = join(dir, '.other.conflist.123-0a1b2c3d.tmp');
    for (const file of [old, fresh, other, target]) writeFileSync(file, 'x');
    const past = new Date(Date.now() - 10 * 60_000);
    for (const file of [old, other]) utimesSync(file, past, past);
    expect(removeStaleTemps(target)).toEqual([old]);
    expect(readdirSync(dir).sort()).toEqual(
      [
        '.00-urunc-tap.conflist.456-0a1b2c3d.tmp',
        '.other.conflist.123-0a1b2c3d.tmp',
        '00-urunc-tap.conflist',
      ].sort(),
    );
  });
});

describe('--chain-into', () => {
  it('finds the conflist by file name, by file name without extension, or by network name', () => {
    const dir = confDir({ '10-ptp.conflist': ptp, '99-other.conf': { name: 'other', type: 'x' } });
    for (const name of ['10-ptp.conflist', '10-ptp', 'podnet']) {
      expect(findChainTarget(dir, name, annotated).file).toBe(join(dir, '10-ptp.conflist'));
    }
  });

  it('takes a dot-file as libcni does: `.conflist` is a conflist, found by its network name', () => {
    // Before, Node's extname saw no extension in ".conflist" and refused it as a single config.
    const dir = confDir({ '.conflist': ptp });
    const file = join(dir, '.conflist');
    expect(findChainTarget(dir, 'podnet', annotated).file).toBe(file);
    writeChained(findChainTarget(dir, 'podnet', annotated));
    expect(JSON.parse(readFileSync(file, 'utf8')).plugins).toEqual([{ type: 'ptp' }, annotated]);
  });

  it('looks only at the files a runtime loads: a directory of that name is none of them', () => {
    // Before, a directory "podnet.conflist" matched by name and failed reading it (EISDIR).
    const dir = confDir({ '10-ptp.conflist': ptp });
    mkdirSync(join(dir, 'podnet.conflist'));
    expect(findChainTarget(dir, 'podnet', annotated).file).toBe(join(dir, '10-ptp.conflist'));
    expect(() => findChainTarget(join(dir, 'missing'), 'podnet', annotated)).toThrow(
      `cannot read the conf dir ${join(dir, 'missing')}`,
    );
  });

  it('appends the entry, keeps a backup libcni will not load, keeps the mode', () => {
    const dir = confDir({ '10-ptp.conflist': ptp });
    const file = join(dir, '10-ptp.conflist');
    const backup = chainInto(
      findChainTarget(dir, 'podnet', annotated),
      new Date('2026-01-02T03:04:05.678Z'),
    );
    expect(backup).toBe(`${file}.urunc-tap-20260102T030405Z.bak`);
    expect(JSON.parse(readFileSync(backup, 'utf8'))).toEqual(ptp);
    expect(JSON.parse(readFileSync(file, 'utf8')).plugins).toEqual([{ type: 'ptp' }, annotated]);
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir).sort()).toEqual([
      '10-ptp.conflist',
      '10-ptp.conflist.urunc-tap-20260102T030405Z.bak',
    ]);
    // The same entry again: nothing to do.
    expect(findChainTarget(dir, 'podnet', annotated).alreadyChained).toBe(true);
  });

  it("keeps an agent's conflist written between the read and the write, and chains into it next", () => {
    const dir = confDir({ '10-ptp.conflist': ptp });
    const file = join(dir, '10-ptp.conflist');
    const target = findChainTarget(dir, 'podnet', annotated);
    // The agent restarts and writes its conflist again, with a change of its own.
    const rewritten = { ...ptp, plugins: [{ type: 'ptp', mtu: 1400 }] };
    writeFileSync(file, JSON.stringify(rewritten));
    expect(() => writeChained(target)).toThrow(`${file} was written by someone else meanwhile`);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(rewritten);
    // The next sync reads what the agent wrote, and chains into that.
    writeChained(findChainTarget(dir, 'podnet', annotated));
    expect(JSON.parse(readFileSync(file, 'utf8')).plugins).toEqual([
      { type: 'ptp', mtu: 1400 },
      annotated,
    ]);
    expect(readdirSync(dir)).toEqual(['10-ptp.conflist']);
  });

  it.each([
    [
      { '10-ptp.conflist': { ...ptp, plugins: [{ type: 'ptp' }, { type: 'urunc-tap' }] } },
      'podnet',
      'already chains urunc-tap as {"type":"urunc-tap"}, not as',
    ],
    [{ '10-ptp.conflist': ptp }, 'nope', 'found none'],
    [{ 'a.conflist': ptp, 'b.conflist': ptp }, 'podnet', 'found a.conflist, b.conflist'],
    [{ '10-ptp.conf': { name: 'podnet', type: 'ptp' } }, 'podnet', 'is not a conflist'],
    [{ '10-ptp.conflist': '{oops' }, '10-ptp', 'is not valid JSON'],
  ])('refuses %j with %s, changing nothing', (files, name, message) => {
    const dir = confDir(files);
    const before = contents(dir);
    expect(() => findChainTarget(dir, name, annotated)).toThrow(message);
    expect(contents(dir)).toEqual(before);
  });
});

describe('install options', () => {
  const base: InstallOptions = { cniBinDir: '/opt/cni/bin' };
  it.each([
    [{}, undefined],
    [{ primaryConfDir: '/p', confDir: '/c', watch: true }, undefined],
    [{ primaryConfDir: '/p', confDir: '/c', podAnnotation: 'example.com/tap' }, undefined],
    [{ confDir: '/c', chainInto: 'n', allPods: true }, undefined],
    [{ confDir: '/c', chainInto: 'n', podAnnotation: 'urunc' }, undefined],
    [{ primaryConfDir: '/p', confDir: '/c', chainInto: 'n' }, 'pick one'],
    [{ primaryConfDir: '/p' }, '--primary-conf-dir needs --conf-dir'],
    [{ chainInto: 'n', allPods: true }, '--chain-into needs --conf-dir'],
    [{ confDir: '/c' }, '--conf-dir needs --primary-conf-dir'],
    [{ confDir: '/c', chainInto: 'n', podAnnotation: 'urunc', watch: true }, undefined],
    [{ watch: true }, '--watch keeps urunc-tap in a conflist'],
    [{ primaryConfDir: '/p', confDir: '/c', watch: true, json: true }, 'not --watch'],
    [{ primaryConfDir: '/p', confDir: '/c', allPods: true }, '--all-pods only applies'],
    [{ confDir: '/c', chainInto: 'n', allPods: true, podAnnotation: 'a' }, 'contradict'],
    [{ podAnnotation: 'a' }, '--pod-annotation needs'],
    [
      { confDir: '/c', chainInto: 'n', podAnnotation: 'Bad Key!' },
      'not a Kubernetes annotation key',
    ],
    [{ confDir: '/c', chainInto: 'n', podAnnotation: 'UPPER.example.com/x' }, 'annotation key'],
    [{ primaryConfDir: '/p', confDir: '/c', rescanInterval: 0 }, '--rescan-interval'],
  ] as Array<[Partial<InstallOptions>, string | undefined]>)('%j: %s', (options, problem) => {
    const found = installUsageProblem({ ...base, ...options });
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });
});

describe('install --watch, in-process', () => {
  it('follows rewrites, a new first file and removal, and stops leaving the file as it is', async () => {
    const primary = tempDir();
    const target = join(tempDir(), 'urunc.d');
    const file = join(target, '00-urunc-tap.conflist');
    const lines: string[] = [];
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const watching = watchPrimary({
      primaryDir: primary,
      confDir: target,
      entry: uruncTapEntry(),
      intervalMs: 60_000, // the directory watch alone must do it
      log: (line) => lines.push(line),
      stop: stopped,
    });
    const networkOf = async (name: string | undefined) => {
      for (let i = 0; i < 100; i++) {
        let network: string | undefined;
        try {
          network = JSON.parse(readFileSync(file, 'utf8')).name;
        } catch {
          network = undefined;
        }
        if (network === name) return network;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`${file} never had network ${name}: ${lines.join(' | ')}`);
    };
    writeFileSync(join(primary, '20-b.conflist'), JSON.stringify({ ...ptp, name: 'b' }));
    await networkOf('b');
    writeFileSync(join(primary, '10-a.conflist'), JSON.stringify({ ...ptp, name: 'a' }));
    await networkOf('a');
    writeFileSync(join(primary, '10-a.conflist'), JSON.stringify({ ...ptp, name: 'a2' }));
    await networkOf('a2');
    rmSync(join(primary, '10-a.conflist'));
    await networkOf('b');
    rmSync(join(primary, '20-b.conflist'));
    await networkOf(undefined);
    writeFileSync(join(primary, '30-c.conflist'), JSON.stringify({ ...ptp, name: 'c' }));
    await networkOf('c');
    stop();
    await watching;
    expect(readdirSync(target)).toEqual(['00-urunc-tap.conflist']);
    expect(lines[0]).toBe(
      `${primary} holds no conflist: nothing to derive ${file} from yet, waiting`,
    );
    expect(lines.at(-1)).toBe(`stopping on stop; ${target} stays as it is`);
    expect(lines.filter((line) => line.startsWith('wrote ')).length).toBe(5);
    expect(lines).toContain(`removed ${file}: ${primary} holds no conflist any more`);
  });
});

describe('install --chain-into --watch, in-process', () => {
  it('chains again into a conflist an agent wrote again without urunc-tap, with no new backup', async () => {
    const dir = tempDir();
    const file = join(dir, '10-ptp.conflist');
    writeFileSync(file, JSON.stringify(ptp));
    const entry = uruncTapEntry('example.com/urunc-tap');
    const lines: string[] = [];
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const watching = watchChained({
      confDir: dir,
      name: 'podnet',
      entry,
      intervalMs: 60_000, // the directory watch alone must do it
      log: (line) => lines.push(line),
      stop: stopped,
    });
    const chained = async () => {
      for (let i = 0; i < 100; i++) {
        const plugins = JSON.parse(readFileSync(file, 'utf8')).plugins as unknown[];
        if (plugins.length === ptp.plugins.length + 1) return plugins.at(-1);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`${file} was never chained again: ${lines.join(' | ')}`);
    };
    expect(await chained()).toEqual(entry);
    // The agent writes its conflist again, as it does on restart: temp file, then rename.
    writeFileSync(join(dir, '.agent.tmp'), JSON.stringify(ptp));
    renameSync(join(dir, '.agent.tmp'), file);
    expect(await chained()).toEqual(entry);
    stop();
    await watching;
    expect(readdirSync(dir).filter((name) => name.endsWith('.bak'))).toHaveLength(1);
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^chained .* into ${file} \\(backup: .*\\.bak\\)$`)),
      `watching ${dir} for changes of the conflist podnet (and re-scanning every 60 s)`,
      `${file} was written again without urunc-tap: chained ${JSON.stringify(entry)} into it again`,
      `stopping on stop; ${dir} stays as it is`,
    ]);
  });
});

describe('operator messages', () => {
  it('are one line: a command error as it is, a system error in words, a bug as a bug', () => {
    expect(operatorMessage(new CommandError('no such thing: do this'), 'install', '1.0')).toBe(
      'no such thing: do this',
    );
    expect(operatorMessage(new Error('first\n  second\n'), 'inspect', '1.0')).toBe('first; second');
    const errno = Object.assign(new Error("EACCES: permission denied, open '/x'"), {
      code: 'EACCES',
      syscall: 'open',
      path: '/x',
    });
    expect(operatorMessage(errno, 'doctor', '1.0')).toBe(
      'doctor failed: open /x: permission denied (EACCES)',
    );
    expect(operatorMessage(new TypeError('x is undefined'), 'inspect', '1.0')).toBe(
      'internal error in inspect: x is undefined (a bug in urunc-tap 1.0: please report it with the command line; URUNC_TAP_DEBUG=1 shows where it happened)',
    );
  });

  it('name the version of package.json when run unbundled', () => {
    const manifest = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    );
    expect(urunctapVersion()).toBe(manifest.version);
  });
});
