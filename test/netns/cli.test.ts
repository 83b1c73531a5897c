// The operator CLI, run as a process against real namespaces and real files: inspect, cleanup,
// doctor, install (the executable alone, derived conflists, --watch, --chain-into, bad input),
// and the usual --help/--version behaviour. Run against bin/urunc-tap and, through
// URUNC_TAP_BIN, build/urunc-tap (scripts/test-standalone.sh).
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { test } from '../helpers/fixtures.js';
import { podAnswersPing, snapshot, type Pod } from '../helpers/netns.js';
import { ingressQdiscs, link, linkNames, ourRules, redirectTargets } from '../helpers/observe.js';
import { urunc } from '../helpers/operator.js';
import { cni, EXECUTABLE, netconf, PLUGIN } from '../helpers/plugin.js';
import { ipn, sh, tcn } from '../helpers/sh.js';
import { noNetns } from '../helpers/tier.js';
import { waitFor } from '../helpers/wait.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const VERSION = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version;

const temps: string[] = [];
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'urunc-tap-cli-'));
  temps.push(dir);
  return dir;
}

async function add(pod: Pod, extra: { ifname?: string; tapName?: string; name?: string } = {}) {
  const { ifname, ...config } = extra;
  const out = await cni({
    command: 'ADD',
    config: netconf('1.0.0', config),
    netns: pod.netns,
    containerId: 'ctr-cli',
    ifname,
  });
  expect(out.exitCode, out.stdout + out.stderr).toBe(0);
}

/** A second pod interface, net1, inside the pod (a veth whose peer stays inside too). */
async function addNet1(pod: Pod) {
  await ipn(pod.ns, 'link', 'add', 'net1', 'type', 'veth', 'peer', 'name', 'net1peer');
  await ipn(pod.ns, 'link', 'set', 'net1', 'up');
  await ipn(pod.ns, 'link', 'set', 'net1peer', 'up');
}

const inspect = async (netns: string, ...args: string[]) => {
  const out = await urunc(['inspect', '--netns', netns, '--json', ...args]);
  expect(out.stderr).toBe('');
  return out;
};

describe.skipIf(noNetns).concurrent('urunc-tap inspect', () => {
  test('reports tap, hooks and filters; waiting for a VMM without one (not a black hole), healthy with one', async ({
    pod: makePod,
    vmm: startVmm,
  }) => {
    const pod = await makePod();
    await add(pod, { name: 'cli-net' });
    const noVmm = await inspect(pod.netns);
    expect(noVmm.exitCode).toBe(0);
    expect(noVmm.json).toMatchObject({
      netns: pod.netns,
      verdict: 'waiting-for-vmm',
      findings: [],
      taps: [
        {
          name: 'tap0_urunc',
          owner: { network: 'cli-net', ifname: 'eth0', containerId: 'ctr-cli' },
          vmmAttached: false,
          mtu: 1500,
          up: true,
          vnetHdr: true,
        },
      ],
    });
    expect(
      noVmm.json.devices.map((d: any) => [
        d.name,
        d.qdisc,
        d.qdiscByUrunctap,
        d.filters[0].actions[0].to,
      ]),
    ).toEqual([
      ['eth0', 'ingress', true, 'tap0_urunc'],
      ['tap0_urunc', 'ingress', true, 'eth0'],
    ]);

    const vmm = await startVmm(pod.netns, 'tap0_urunc');
    expect(await waitFor(async () => (await link(pod.ns, 'tap0_urunc'))?.carrier, true)).toBe(true);
    const healthy = await inspect(pod.netns);
    expect(healthy).toMatchObject({ exitCode: 0, json: { verdict: 'healthy', findings: [] } });
    expect(healthy.json.taps[0].vmmAttached).toBe(true);
    await vmm.kill();

    const text = await urunc(['inspect', '--netns', pod.ns]);
    expect(text.stdout.split('\n')[0]).toMatch(
      new RegExp(`^${pod.netns}: (healthy|waiting-for-vmm)$`),
    );
    expect(text.stdout).toContain('tap0_urunc  network cli-net  ifname eth0  container ctr-cli');
  });

  test('names a redirect to a deleted tap a black hole, and a tap nothing feeds orphaned', async ({
    pod: makePod,
  }) => {
    const pod = await makePod();
    await add(pod);
    await tcn(pod.ns, 'filter', 'del', 'dev', 'eth0', 'ingress');
    const orphan = await inspect(pod.netns);
    expect(orphan.exitCode).toBe(3);
    expect(orphan.json.verdict).toBe('orphaned-tap');

    const other = await makePod();
    await add(other);
    await ipn(other.ns, 'link', 'del', 'tap0_urunc');
    const blackHole = await inspect(other.netns);
    expect(blackHole.json).toMatchObject({ verdict: 'black-hole', taps: [] });
    expect(blackHole.exitCode).toBe(3);
    expect(blackHole.json.findings[0].message).toBe(
      "eth0 has urunc-tap's redirect to a deleted device (pref 65280): every frame it takes is dropped",
    );
  });

  test('calls a namespace without urunc-tap clean; a foreign filter next to ours foreign', async ({
    pod: makePod,
    vmm: startVmm,
  }) => {
    const pod = await makePod();
    expect(await inspect(pod.netns)).toMatchObject({
      exitCode: 0,
      json: { verdict: 'clean', taps: [] },
    });
    await tcn(pod.ns, 'qdisc', 'add', 'dev', 'eth0', 'clsact');
    await tcn(
      pod.ns,
      'filter',
      'add',
      'dev',
      'eth0',
      'ingress',
      'pref',
      '10',
      'protocol',
      'ip',
      'u32',
      'match',
      'u32',
      '0',
      '0',
    );
    await add(pod);
    await startVmm(pod.netns, 'tap0_urunc');
    await waitFor(async () => (await link(pod.ns, 'tap0_urunc'))?.carrier, true);
    const out = await inspect(pod.netns, '--ifname', 'eth0');
    expect(out.json.verdict).toBe('foreign-filters');
    expect(out.json.findings[0].message).toBe(
      'eth0 has 1 filters not made by urunc-tap (1 run before its redirect)',
    );
  });

  test('fails with exit 1 on a namespace that does not exist, 2 on bad arguments', async () => {
    const missing = await urunc(['inspect', '--netns', '/run/netns/urunc-tap-no-such-ns']);
    expect(missing).toMatchObject({ exitCode: 1, stdout: '' });
    expect(missing.stderr).toBe(
      'urunc-tap: no network namespace at /run/netns/urunc-tap-no-such-ns',
    );
    const usage = await urunc(['inspect']);
    expect(usage).toMatchObject({ exitCode: 2, stdout: '' });
    expect(usage.stderr).toContain('Give either --netns PATH or --all.');
  });
});

describe.skipIf(noNetns).concurrent('urunc-tap cleanup', () => {
  test('--tap takes one attachment; plain cleanup the rest; foreign state stays; twice is fine', async ({
    pod: makePod,
  }) => {
    const pod = await makePod();
    await tcn(pod.ns, 'qdisc', 'add', 'dev', 'eth0', 'clsact');
    await tcn(
      pod.ns,
      'filter',
      'add',
      'dev',
      'eth0',
      'ingress',
      'pref',
      '10',
      'protocol',
      'ip',
      'u32',
      'match',
      'u32',
      '0',
      '0',
    );
    await addNet1(pod);
    const clean = await snapshot(pod.ns);
    // Two attachments of two networks: DEL of either would need its own identity.
    await add(pod, { name: 'net-a' });
    await add(pod, { name: 'net-b', ifname: 'net1', tapName: 'tap1' });

    const dryRun = await urunc(['cleanup', '--netns', pod.netns, '--tap', 'tap1', '--dry-run']);
    expect(dryRun.stdout).toBe(
      `${pod.netns}: would remove 2 objects:\n  ingress qdisc on net1\n  tap tap1`,
    );
    expect(await link(pod.ns, 'tap1')).toBeDefined();

    const one = await urunc(['cleanup', '--netns', pod.netns, '--tap', 'tap1', '--json']);
    expect(one.exitCode, one.stderr).toBe(0);
    expect(one.json).toEqual({
      netns: pod.netns,
      dryRun: false,
      changes: [
        {
          op: 'delete-ingress-qdisc',
          change: 'removed',
          object: 'ingress qdisc on net1',
          description: 'deleted ingress qdisc on net1',
        },
        { op: 'delete-link', change: 'removed', object: 'tap tap1', description: 'deleted tap1' },
      ],
    });
    expect(await link(pod.ns, 'tap1')).toBeUndefined();
    expect(await redirectTargets(pod.ns, 'eth0')).toEqual(['tap0_urunc']);

    const rest = await urunc(['cleanup', '--netns', pod.netns]);
    expect(rest.exitCode, rest.stderr).toBe(0);
    expect(rest.stdout).toContain('removed 2 objects:');
    expect(await snapshot(pod.ns)).toEqual(clean);
    expect(await podAnswersPing(pod, 4)).toBe(true);

    const again = await urunc(['cleanup', '--netns', pod.netns]);
    expect(again).toMatchObject({
      exitCode: 0,
      stdout: `${pod.netns}: nothing of urunc-tap's to remove`,
    });
  });

  test('takes a half-made tap (alias-less, under a staging name) only when unscoped, and no lookalike', async ({
    pod: makePod,
  }) => {
    const pod = await makePod();
    // What the Node.js entry's ADD leaves when killed between creating its tap and naming it;
    // and a tap of that name shape that carries an alias, which is not one.
    await ipn(pod.ns, 'tuntap', 'add', 'dev', 'utap-0123456789', 'mode', 'tap');
    await ipn(pod.ns, 'tuntap', 'add', 'dev', 'utap-abcdefabcd', 'mode', 'tap');
    await ipn(pod.ns, 'link', 'set', 'dev', 'utap-abcdefabcd', 'alias', 'someone');
    const scoped = await urunc(['cleanup', '--netns', pod.netns, '--ifname', 'eth0']);
    expect(scoped.exitCode, scoped.stderr).toBe(0);
    expect(await link(pod.ns, 'utap-0123456789')).toBeDefined();
    const out = await urunc(['cleanup', '--netns', pod.netns]);
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.stdout).toContain('tap utap-0123456789');
    expect(await link(pod.ns, 'utap-0123456789')).toBeUndefined();
    expect(await link(pod.ns, 'utap-abcdefabcd')).toMatchObject({ alias: 'someone' });
  });

  test('repairs the black hole left by a tap deleted by hand (the orphaned redirect)', async ({
    pod: makePod,
  }) => {
    const pod = await makePod();
    await add(pod);
    await ipn(pod.ns, 'link', 'del', 'tap0_urunc');
    expect(await podAnswersPing(pod)).toBe(false);
    const out = await urunc(['cleanup', '--netns', pod.netns, '--tap', 'tap0_urunc']);
    expect(out.exitCode, out.stderr).toBe(0);
    expect(await ourRules(pod.ns, 'eth0')).toEqual([]);
    expect(await ingressQdiscs(pod.ns)).toEqual({});
    // The node side's neighbour entry for the pod went FAILED while the pod was a black hole:
    // on a loaded machine, resolving it again can take longer than one ping round.
    expect(await waitFor(() => podAnswersPing(pod), true, 10_000)).toBe(true);
  });
});

describe.skipIf(noNetns).concurrent('urunc-tap doctor', () => {
  it('says the host is ready, check by check', async () => {
    const out = await urunc(['doctor', '--json']);
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.json.ready).toBe(true);
    const checks = out.json.checks.map((check: any) => `${check.name} ${check.state}`);
    // What the backend needs comes first (iproute2: its programs; netlink: a socket), then the
    // host (tun device, capabilities; kernel modules where the kernel has loadable ones), then
    // the kernel features tried for real.
    if (out.json.backend === 'iproute2') {
      expect(checks.slice(0, 4)).toEqual(['setpriv ok', 'nsenter ok', 'ip ok', 'tc ok']);
    }
    expect(checks.every((check: string) => check.endsWith(' ok'))).toBe(true);
    expect(checks).toEqual(
      expect.arrayContaining(['/dev/net/tun ok', 'CAP_NET_ADMIN ok', 'CAP_SYS_ADMIN ok']),
    );
    expect(checks.slice(-5)).toEqual(['netns ok', 'tap ok', 'ingress ok', 'u32 ok', 'mirred ok']);
    const text = await urunc(['doctor']);
    expect(text.stdout.split('\n')[0]).toMatch(
      /^urunc-tap doctor \((iproute2|netlink)\): ready to serve ADD$/,
    );
  });

  it('with iproute2, says what to install when tc is missing (exit 3); netlink needs no tc', async () => {
    const bin = tempDir();
    for (const tool of ['node', 'setpriv', 'nsenter', 'ip'])
      symlinkSync((await sh('which', [tool])).trim(), join(bin, tool));
    const out = await urunc(['doctor'], { PATH: bin });
    if (out.stdout.startsWith('urunc-tap doctor (netlink)')) {
      // The executable drives the kernel itself: no program of the host is needed.
      expect(out.exitCode, out.stdout).toBe(0);
      expect(out.stdout).not.toContain('FAILED');
      return;
    }
    expect(out.exitCode).toBe(3);
    expect(out.stdout).toContain('urunc-tap doctor (iproute2): NOT ready to serve ADD');
    expect(out.stdout).toMatch(/FAILED {3}tc +not found on PATH\n +fix: apt-get install iproute2/);
    expect(out.stdout).toMatch(/skipped +mirred/);
  });
});

/**
 * Runs `command` as on a node that has nothing but the executable: in a private mount namespace,
 * the repository hidden under a tmpfs and the Node.js binary under /dev/null.
 */
function alone(command: string[], env: Record<string, string> = {}, input = '') {
  return execa(
    'unshare',
    [
      '--mount',
      '--',
      'sh',
      '-c',
      'mount -t tmpfs none "$0" && mount --bind /dev/null "$1" && shift && exec "$@"',
      REPO,
      realpathSync(process.execPath),
      ...command,
    ],
    { env: { PATH: process.env.PATH!, ...env }, extendEnv: false, input, reject: false },
  );
}

/** An operator-facing failure: exit 1, nothing on stdout, one line on stderr, no JavaScript stack. */
function expectOneLineError(
  out: { exitCode?: number; stdout: string; stderr: string },
  text: string,
) {
  expect(out.exitCode, out.stderr).toBe(1);
  expect(out.stdout).toBe('');
  expect(out.stderr.split('\n'), out.stderr).toHaveLength(1);
  expect(out.stderr).toMatch(/^urunc-tap: /);
  expect(out.stderr).not.toMatch(/^\s+at /m);
  expect(out.stderr).toContain(text);
}

/** Every entry of `dir` (dot-files too) with its bytes' hash, mode and inode: "nothing changed". */
function state(dir: string): Record<string, string> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return { [dir]: 'not a directory' };
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((name) => {
        const path = join(dir, name);
        const stats = statSync(path);
        const bytes = stats.isFile()
          ? createHash('sha256').update(readFileSync(path)).digest('hex')
          : 'dir';
        return [name, `${bytes} ${(stats.mode & 0o7777).toString(8)} ${stats.ino}`];
      }),
  );
}

const calico = {
  name: 'k8s-pod-network',
  cniVersion: '0.3.1',
  plugins: [
    { type: 'calico', ipam: { type: 'calico-ipam' }, policy: { type: 'k8s' } },
    { type: 'portmap', snat: true, capabilities: { portMappings: true } },
  ],
};

/** The entry `--chain-into ... --pod-annotation example.com/urunc-tap` appends. */
const annotatedEntry = {
  type: 'urunc-tap',
  podAnnotation: 'example.com/urunc-tap',
  capabilities: { 'io.kubernetes.cri.pod-annotations': true },
};

/** `urunc-tap install` into `bin`, chaining into the conflist `name` of `conf`. */
function chainIntoArgs(bin: string, conf: string, name: string, ...extra: string[]): string[] {
  return ['install', '--cni-bin-dir', bin, '--conf-dir', conf, '--chain-into', name, ...extra];
}

/** A node's CNI dirs: bin, the primary conf dir holding `primary`, and the urunc handler's. */
function nodeDirs(primary: Record<string, unknown> = { '10-calico.conflist': calico }) {
  const root = tempDir();
  const dirs = {
    bin: join(root, 'opt/cni/bin'),
    netd: join(root, 'etc/cni/net.d'),
    uruncd: join(root, 'etc/cni/urunc.d'),
  };
  for (const dir of [dirs.bin, dirs.netd]) mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(primary)) {
    writeFileSync(
      join(dirs.netd, name),
      typeof content === 'string' ? content : JSON.stringify(content),
    );
  }
  const args = [
    '--cni-bin-dir',
    dirs.bin,
    '--primary-conf-dir',
    dirs.netd,
    '--conf-dir',
    dirs.uruncd,
  ];
  return { ...dirs, args, derived: join(dirs.uruncd, '00-urunc-tap.conflist') };
}

describe.skipIf(noNetns).concurrent('urunc-tap install', () => {
  test('every operator command runs from the installed executable alone (no repository, no Node.js)', async ({
    pod: makePod,
  }) => {
    const bin = tempDir();
    const first = await urunc(['install', '--cni-bin-dir', bin, '--json']);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.json).toMatchObject({
      installed: join(bin, 'urunc-tap'),
      version: VERSION,
      source: EXECUTABLE,
      executable: 'created',
      conflist: null,
      chained: null,
    });
    const installed = join(bin, 'urunc-tap');
    expect(readFileSync(installed).equals(readFileSync(EXECUTABLE))).toBe(true);
    expect(statSync(installed).mode & 0o7777).toBe(0o755);
    expect(readdirSync(bin)).toEqual(['urunc-tap']);

    const run = (args: string[], env: Record<string, string> = {}, input = '') =>
      alone([installed, ...args], env, input);
    expect((await run(['--version'])).stdout).toBe(VERSION);
    expect((await run(['version'])).stdout).toBe(
      `urunc-tap ${VERSION}\nCNI versions: 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0`,
    );
    const help = await run(['--help']);
    expect(help.stdout).toContain('Exit codes: 0 ok; 1 failed');
    // yargs under another locale: its messages are built in, no locale file is read from disk.
    const german = await run(['install', '--help'], { LANG: 'de_DE.UTF-8', LC_ALL: 'de_DE.UTF-8' });
    expect(german.exitCode, german.stderr).toBe(0);
    expect(german.stdout).toContain('--primary-conf-dir');
    const doctor = await run(['doctor', '--json']);
    expect(doctor.exitCode, doctor.stderr).toBe(0);
    expect(JSON.parse(doctor.stdout).ready).toBe(true);
    const pod = await makePod();
    const inspected = await run(['inspect', '--netns', pod.netns, '--json']);
    expect(inspected.exitCode, inspected.stderr).toBe(0);
    expect(JSON.parse(inspected.stdout).verdict).toBe('clean');
    const cleaned = await run(['cleanup', '--netns', pod.netns]);
    expect(cleaned.stdout).toBe(`${pod.netns}: nothing of urunc-tap's to remove`);
    expectOneLineError(
      await run(['inspect', '--netns', '/run/netns/urunc-tap-no-such-ns']),
      'no network namespace at /run/netns/urunc-tap-no-such-ns',
    );
    // It installs itself: the running executable is the plugin.
    const bin2 = tempDir();
    const again = await run(['install', '--cni-bin-dir', bin2, '--json']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ source: installed, executable: 'created' });
    expect(readFileSync(join(bin2, 'urunc-tap')).equals(readFileSync(EXECUTABLE))).toBe(true);

    // The plugin itself, ADD and DEL, the repository and Node.js out of sight.
    const version = await run([], { CNI_COMMAND: 'VERSION' }, '{"cniVersion":"1.1.0"}');
    expect(version.exitCode, version.stderr).toBe(0);
    expect(JSON.parse(version.stdout).supportedVersions).toContain('1.1.0');
    const cniEnv = {
      CNI_CONTAINERID: 'ctr-installed',
      CNI_NETNS: pod.netns,
      CNI_IFNAME: 'eth0',
      CNI_PATH: bin,
    };
    const config = JSON.stringify(netconf('1.1.0'));
    const added = await run([], { ...cniEnv, CNI_COMMAND: 'ADD' }, config);
    expect(added.exitCode, added.stdout + added.stderr).toBe(0);
    expect(JSON.parse(added.stdout).interfaces[0].name).toBe('tap0_urunc');
    expect(await redirectTargets(pod.ns, 'eth0')).toEqual(['tap0_urunc']);
    const deleted = await run([], { ...cniEnv, CNI_COMMAND: 'DEL' }, config);
    expect(deleted.exitCode, deleted.stdout + deleted.stderr).toBe(0);
    expect(await linkNames(pod.ns)).toEqual(['eth0', 'lo']);
  });

  it("copies the running executable; the Node.js entry its checkout's build, or says to build it", async () => {
    const bin = tempDir();
    // The checkout's build/ hidden under an empty tmpfs, in a private mount namespace.
    const withoutBuild = (command: string[]) =>
      execa(
        'unshare',
        [
          '--mount',
          '--',
          'sh',
          '-c',
          'mount -t tmpfs none "$0" && exec "$@"',
          join(REPO, 'build'),
          ...command,
        ],
        { env: { PATH: process.env.PATH! }, extendEnv: false, reject: false },
      );
    if (PLUGIN === EXECUTABLE) {
      // The self-contained build needs no checkout: a copy elsewhere installs itself.
      const copy = join(tempDir(), 'urunc-tap');
      copyFileSync(EXECUTABLE, copy);
      chmodSync(copy, 0o755);
      const out = await withoutBuild([copy, 'install', '--cni-bin-dir', bin, '--json']);
      expect(out.exitCode, out.stderr).toBe(0);
      expect(JSON.parse(out.stdout)).toMatchObject({ source: copy, executable: 'created' });
      expect(readFileSync(join(bin, 'urunc-tap')).equals(readFileSync(EXECUTABLE))).toBe(true);
    } else {
      const out = await withoutBuild([PLUGIN, 'install', '--cni-bin-dir', bin]);
      expectOneLineError(
        out,
        `no self-contained executable at ${EXECUTABLE}: run npm run build in ${REPO}`,
      );
      expect(readdirSync(bin)).toEqual([]);
    }
  });

  it('reinstalls nothing when the file is identical; replaces a different one by rename; removes old bundles', async () => {
    const bin = tempDir();
    const target = join(bin, 'urunc-tap');
    expect((await urunc(['install', '--cni-bin-dir', bin])).stdout).toBe(
      `installed urunc-tap ${VERSION} as ${target} (from ${EXECUTABLE}, the ${
        PLUGIN === EXECUTABLE ? 'running executable' : 'checkout build'
      })`,
    );
    const before = state(bin);
    const { mtimeMs } = statSync(target);
    const rerun = await urunc(['install', '--cni-bin-dir', bin]);
    expect(rerun.stdout).toBe(`${target} is already this urunc-tap ${VERSION}: left unchanged`);
    expect(state(bin)).toEqual(before);
    expect(statSync(target).mtimeMs).toBe(mtimeMs);

    // An earlier install's launcher and Node.js bundles: replaced, and removed.
    writeFileSync(target, '#!/usr/bin/node\nconst bundle = "0.1.0-old-abcdef";\n', { mode: 0o755 });
    mkdirSync(join(bin, '.urunc-tap', '0.1.0-old-abcdef', 'dist'), { recursive: true });
    const upgrade = await urunc(['install', '--cni-bin-dir', bin, '--json']);
    expect(upgrade.exitCode, upgrade.stderr).toBe(0);
    expect(upgrade.json).toMatchObject({
      executable: 'replaced',
      removedBundles: ['0.1.0-old-abcdef'],
      bundle: null,
      node: null,
    });
    expect(readdirSync(bin)).toEqual(['urunc-tap']);
    expect(readFileSync(target).equals(readFileSync(EXECUTABLE))).toBe(true);
  });

  it("derives the urunc handler's conflist from the primary one, never touching the primary", async () => {
    const node = nodeDirs({
      '10-calico.conflist': calico,
      '99-loopback.conf': { cniVersion: '0.3.1', name: 'lo', type: 'loopback' },
    });
    const primaryBefore = state(node.netd);
    const out = await urunc(['install', ...node.args]);
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.stdout.split('\n')[1]).toBe(
      `wrote ${node.derived}: ${node.netd}/10-calico.conflist (network "k8s-pod-network") with urunc-tap appended`,
    );
    expect(JSON.parse(readFileSync(node.derived, 'utf8'))).toEqual({
      ...calico,
      plugins: [...calico.plugins, { type: 'urunc-tap' }],
    });
    expect(statSync(node.derived).mode & 0o7777).toBe(0o644);
    expect(readdirSync(node.uruncd)).toEqual(['00-urunc-tap.conflist']);
    expect(readdirSync(node.bin)).toEqual(['urunc-tap']);
    expect(state(node.netd)).toEqual(primaryBefore);

    // A rerun changes nothing, anywhere.
    const [bin, uruncd] = [state(node.bin), state(node.uruncd)];
    const rerun = await urunc(['install', ...node.args, '--json']);
    expect(rerun.json).toMatchObject({
      executable: 'unchanged',
      conflist: { change: 'unchanged', network: 'k8s-pod-network', alreadyChained: false },
    });
    expect([state(node.bin), state(node.uruncd), state(node.netd)]).toEqual([
      bin,
      uruncd,
      primaryBefore,
    ]);
  });

  it('derives from a single-plugin .conf, and copies a primary that chains urunc-tap already as it is', async () => {
    const bridge = { cniVersion: '1.0.0', name: 'podnet', type: 'bridge', bridge: 'cni0' };
    const single = nodeDirs({ '10-bridge.conf': bridge });
    expect((await urunc(['install', ...single.args])).exitCode).toBe(0);
    expect(JSON.parse(readFileSync(single.derived, 'utf8'))).toEqual({
      name: 'podnet',
      cniVersion: '1.0.0',
      plugins: [bridge, { type: 'urunc-tap' }],
    });

    const chained = { ...calico, plugins: [...calico.plugins, { type: 'urunc-tap', mtu: 1400 }] };
    const node = nodeDirs({ '10-calico.conflist': chained });
    const out = await urunc(['install', ...node.args, '--pod-annotation', 'example.com/urunc']);
    expect(out.stdout).toContain('which chains urunc-tap already');
    expect(JSON.parse(readFileSync(node.derived, 'utf8'))).toEqual(chained);
  });

  it('refuses bad input with one line naming the path, and leaves nothing half-written', async () => {
    const check = async (node: ReturnType<typeof nodeDirs>, args: string[], text: string) => {
      const before = [state(node.bin), state(node.netd)];
      expectOneLineError(await urunc(['install', ...args]), text);
      expect([state(node.bin), state(node.netd)]).toEqual(before);
      expect(existsSync(node.uruncd) ? readdirSync(node.uruncd) : []).toEqual([]);
    };
    const missing = nodeDirs();
    rmSync(missing.netd, { recursive: true });
    await check(
      missing,
      missing.args,
      `cannot read the conf dir ${missing.netd}: no such file or directory (ENOENT)`,
    );
    const notADir = nodeDirs();
    rmSync(notADir.netd, { recursive: true });
    writeFileSync(notADir.netd, '');
    await check(
      notADir,
      notADir.args,
      `cannot read the conf dir ${notADir.netd}: a component of the path is not a directory (ENOTDIR)`,
    );
    const empty = nodeDirs({ 'README.md': 'no conflist here' });
    await check(
      empty,
      empty.args,
      `no conflist in ${empty.netd} (no .conflist, .conf or .json file)`,
    );
    const broken = nodeDirs({
      '05-broken.conflist': '{"name": "x", "plugins": [',
      '10-calico.conflist': calico,
    });
    await check(broken, broken.args, `${broken.netd}/05-broken.conflist is not valid JSON`);
    // With --watch too: only an empty primary conf dir is waited for.
    await check(missing, [...missing.args, '--watch'], `cannot read the conf dir ${missing.netd}`);
    await check(
      broken,
      [...broken.args, '--watch'],
      `${broken.netd}/05-broken.conflist is not valid JSON`,
    );
    const same = nodeDirs();
    await check(
      same,
      ['--cni-bin-dir', same.bin, '--primary-conf-dir', same.netd, '--conf-dir', same.netd],
      'is the --primary-conf-dir',
    );
  });

  it('refuses an unwritable conf dir (immutable, even for root) and a full bin dir, leaving no temp file', async () => {
    const node = nodeDirs();
    mkdirSync(node.uruncd);
    await sh('chattr', ['+i', node.uruncd]);
    try {
      const out = await urunc(['install', ...node.args]);
      expectOneLineError(out, `cannot write ${node.derived}: operation not permitted (EPERM)`);
      expect(readdirSync(node.uruncd)).toEqual([]);
    } finally {
      await sh('chattr', ['-i', node.uruncd]);
    }
    // The executable did go in first, whole: a conflist must never name a plugin that is not there.
    expect(readFileSync(join(node.bin, 'urunc-tap')).equals(readFileSync(EXECUTABLE))).toBe(true);

    // A bin dir with room for 1 MiB of a ~110 MB executable: the copy fails half-way.
    const full = tempDir();
    await sh('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'urunc-tap-test', full]);
    try {
      expectOneLineError(
        await urunc(['install', '--cni-bin-dir', full]),
        `cannot write ${full}/urunc-tap: no space left on the device (ENOSPC)`,
      );
      expect(readdirSync(full)).toEqual([]);
    } finally {
      await sh('umount', [full]);
    }
  });

  it('--watch follows the primary conflist: rewrites, another file first, removal; SIGINT exits 0', async () => {
    const node = nodeDirs({});
    const installer = execa(
      PLUGIN,
      ['install', ...node.args, '--watch', '--rescan-interval', '1'],
      {
        env: { PATH: process.env.PATH! },
        extendEnv: false,
        reject: false,
      },
    );
    try {
      const networkIs = (name: string | undefined) =>
        waitFor(
          async () => {
            try {
              return JSON.parse(readFileSync(node.derived, 'utf8')).name;
            } catch {
              return undefined;
            }
          },
          name,
          15_000,
        );
      const write = (name: string, network: string) =>
        writeFileSync(join(node.netd, name), JSON.stringify({ ...calico, name: network }));
      // Not before the first sync has run: it must see the empty dir (its "waiting" line).
      let stderr = '';
      installer.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      await waitFor(async () => stderr.includes(': watching '), true, 15_000);
      write('20-calico.conflist', 'calico-1');
      expect(await networkIs('calico-1')).toBe('calico-1');
      // Rewritten in place, as agents do.
      write('20-calico.conflist', 'calico-2');
      expect(await networkIs('calico-2')).toBe('calico-2');
      // Another file comes first.
      write('10-cilium.conflist', 'cilium');
      expect(await networkIs('cilium')).toBe('cilium');
      // Broken for a while: the derived conflist stays as it was.
      writeFileSync(join(node.netd, '10-cilium.conflist'), '{"name": ');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(JSON.parse(readFileSync(node.derived, 'utf8')).name).toBe('cilium');
      rmSync(join(node.netd, '10-cilium.conflist'));
      expect(await networkIs('calico-2')).toBe('calico-2');
      // Our file deleted by someone: the re-scan puts it back.
      rmSync(node.derived);
      expect(await networkIs('calico-2')).toBe('calico-2');
      rmSync(join(node.netd, '20-calico.conflist'));
      expect(await networkIs(undefined)).toBeUndefined();
      expect(readdirSync(node.uruncd)).toEqual([]);
    } finally {
      // SIGINT here; the image's test stops it with SIGTERM, as the kubelet does.
      installer.kill('SIGINT');
    }
    const result = await installer;
    expect(result.exitCode, result.stderr).toBe(0);
    const lines = result.stderr.split('\n').map((line) => line.replace(/^urunc-tap install: /, ''));
    expect(result.stderr.split('\n').every((line) => line.startsWith('urunc-tap install: '))).toBe(
      true,
    );
    expect(lines).toEqual([
      expect.stringMatching(/^installed urunc-tap .* as .*\/opt\/cni\/bin\/urunc-tap/),
      `${node.netd} holds no conflist: nothing to derive ${node.derived} from yet, waiting`,
      `watching ${node.netd} for changes of its first conflist (and re-scanning every 1 s)`,
      `wrote ${node.derived}: ${node.netd}/20-calico.conflist (network "calico-1") with urunc-tap appended`,
      `wrote ${node.derived}: ${node.netd}/20-calico.conflist (network "calico-2") with urunc-tap appended`,
      `wrote ${node.derived}: ${node.netd}/10-cilium.conflist (network "cilium") with urunc-tap appended`,
      expect.stringMatching(
        new RegExp(
          `^${node.netd}/10-cilium.conflist is not valid JSON: .*; left ${node.uruncd} as it was$`,
        ),
      ),
      `wrote ${node.derived}: ${node.netd}/20-calico.conflist (network "calico-2") with urunc-tap appended`,
      `wrote ${node.derived}: ${node.netd}/20-calico.conflist (network "calico-2") with urunc-tap appended`,
      `removed ${node.derived}: ${node.netd} holds no conflist any more`,
      `stopping on SIGINT; ${node.uruncd} stays as it is`,
    ]);
    expect(readdirSync(node.uruncd)).toEqual([]);
  });

  it('--chain-into refuses a conflist every pod gets, unless --pod-annotation or --all-pods', async () => {
    const [bin, conf] = [tempDir(), tempDir()];
    const ptp = {
      cniVersion: '1.0.0',
      name: 'podnet',
      plugins: [{ type: 'ptp', ipam: { type: 'host-local' } }],
    };
    writeFileSync(join(conf, '10-ptp.conflist'), JSON.stringify(ptp));
    const chain = (...extra: string[]) => urunc(chainIntoArgs(bin, conf, 'podnet', ...extra));
    const refused = await chain();
    expectOneLineError(
      refused,
      'a runc pod is black-holed (all its traffic goes into a tap no VMM opens)',
    );
    expect(refused.stderr).toContain('--pod-annotation KEY');
    expect(readdirSync(bin)).toEqual([]);
    expect(readdirSync(conf)).toEqual(['10-ptp.conflist']);

    const out = await chain('--pod-annotation', 'example.com/urunc-tap');
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.stdout).toMatch(
      new RegExp(`chained .* into ${conf}/10-ptp.conflist \\(backup: .*\\.bak\\)$`),
    );
    expect(JSON.parse(readFileSync(join(conf, '10-ptp.conflist'), 'utf8')).plugins).toEqual([
      ...ptp.plugins,
      annotatedEntry,
    ]);
    const backups = readdirSync(conf).filter((file) => file.endsWith('.bak'));
    expect(backups).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(conf, backups[0]!), 'utf8'))).toEqual(ptp);

    // The same again: nothing changes, exit 0. Another entry: refused.
    const before = state(conf);
    const again = await chain('--pod-annotation', 'example.com/urunc-tap');
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toContain(`${conf}/10-ptp.conflist already chains`);
    expect(state(conf)).toEqual(before);
    expectOneLineError(await chain('--all-pods'), 'already chains urunc-tap as');
    expect(state(conf)).toEqual(before);

    // --all-pods: the operator says every pod of this conf dir runs urunc.
    const own = tempDir();
    writeFileSync(join(own, '10-ptp.conflist'), JSON.stringify(ptp));
    const all = await urunc(chainIntoArgs(bin, own, '10-ptp', '--all-pods', '--json'));
    expect(all.exitCode, all.stderr).toBe(0);
    expect(all.json.chained).toMatchObject({
      file: join(own, '10-ptp.conflist'),
      change: 'replaced',
    });
    expect(JSON.parse(readFileSync(join(own, '10-ptp.conflist'), 'utf8')).plugins.at(-1)).toEqual({
      type: 'urunc-tap',
    });
  });

  it('--chain-into --watch chains again when the agent writes its conflist again; SIGTERM exits 0', async () => {
    const [bin, conf] = [tempDir(), tempDir()];
    const file = join(conf, '10-calico.conflist');
    const agentWrites = () => {
      // As install-cni does on restart: the whole file again, without urunc-tap.
      writeFileSync(`${file}.tmp`, JSON.stringify(calico));
      renameSync(`${file}.tmp`, file);
    };
    agentWrites();
    const installer = execa(
      PLUGIN,
      chainIntoArgs(
        bin,
        conf,
        'k8s-pod-network',
        '--pod-annotation',
        'example.com/urunc-tap',
        '--watch',
        '--rescan-interval',
        '1',
      ),
      { env: { PATH: process.env.PATH! }, extendEnv: false, reject: false },
    );
    const lastType = () =>
      waitFor(
        async () => {
          try {
            return JSON.parse(readFileSync(file, 'utf8')).plugins.at(-1).type;
          } catch {
            return undefined;
          }
        },
        'urunc-tap',
        15_000,
      );
    try {
      expect(await lastType()).toBe('urunc-tap');
      agentWrites();
      expect(await lastType()).toBe('urunc-tap');
    } finally {
      installer.kill('SIGTERM');
    }
    const result = await installer;
    expect(result.exitCode, result.stderr).toBe(0);
    const plugins = JSON.parse(readFileSync(file, 'utf8')).plugins;
    expect(plugins).toEqual([...calico.plugins, annotatedEntry]);
    expect(result.stderr).toContain(
      `urunc-tap install: ${file} was written again without urunc-tap: chained `,
    );
    expect(result.stderr).toContain(
      `urunc-tap install: stopping on SIGTERM; ${conf} stays as it is`,
    );
    expect(readdirSync(conf).filter((name) => name.endsWith('.bak'))).toHaveLength(1);
  });

  it.each([
    [['--watch'], '--watch keeps urunc-tap in a conflist'],
    [['--primary-conf-dir', '/x', '--conf-dir', '/y', '--chain-into', 'n'], 'pick one'],
    [
      ['--conf-dir', '/y', '--chain-into', 'n', '--pod-annotation', 'not a key'],
      'not a Kubernetes annotation key',
    ],
    [['--primary-conf-dir', '/x'], '--primary-conf-dir needs --conf-dir'],
  ])('refuses install %j as a usage error (exit 2)', async (args, text) => {
    const out = await urunc(['install', '--cni-bin-dir', tempDir(), ...args]);
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toContain(text);
    expect(out.stderr).toContain('Run urunc-tap install --help for usage.');
  });
});

describe.skipIf(noNetns)('urunc-tap --help and --version', () => {
  it.each(['inspect', 'cleanup', 'doctor', 'install'])(
    '%s --help describes the command',
    async (command) => {
      const out = await urunc([command, '--help']);
      expect(out.exitCode).toBe(0);
      expect(out.stdout).toContain(`urunc-tap ${command}`);
      expect(out.stdout).toContain('--help');
    },
  );

  it('prints the version, documents exit codes, and refuses unknown commands with exit 2', async () => {
    expect((await urunc(['--version'])).stdout).toBe(VERSION);
    expect((await urunc(['--help'])).stdout).toContain('Exit codes: 0 ok; 1 failed');
    const unknown = await urunc(['frobnicate']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('Unknown argument: frobnicate');
  });
});
