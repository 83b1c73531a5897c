// The operator CLI, run as a process against real namespaces: inspect, cleanup, doctor,
// install, and the usual --help/--version behaviour.
import { execa } from 'execa';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { test } from '../helpers/fixtures.js';
import { podAnswersPing, snapshot, type Pod } from '../helpers/netns.js';
import { ingressQdiscs, link, links, ourRules, redirectTargets } from '../helpers/observe.js';
import { urunc } from '../helpers/operator.js';
import { cni, netconf } from '../helpers/plugin.js';
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
    expect(await podAnswersPing(pod)).toBe(true);

    const again = await urunc(['cleanup', '--netns', pod.netns]);
    expect(again).toMatchObject({
      exitCode: 0,
      stdout: `${pod.netns}: nothing of urunc-tap's to remove`,
    });
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
    expect(await podAnswersPing(pod)).toBe(true);
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

  it('says what to install when tc is missing (exit 3)', async () => {
    const bin = tempDir();
    for (const tool of ['node', 'setpriv', 'nsenter', 'ip'])
      symlinkSync((await sh('which', [tool])).trim(), join(bin, tool));
    const out = await urunc(['doctor'], { PATH: bin });
    expect(out.exitCode).toBe(3);
    expect(out.stdout).toContain('urunc-tap doctor (iproute2): NOT ready to serve ADD');
    expect(out.stdout).toMatch(/FAILED {3}tc +not found on PATH\n +fix: apt-get install iproute2/);
    expect(out.stdout).toMatch(/skipped +mirred/);
  });
});

/** Runs `command` with the repository hidden (a tmpfs over it, in a private mount namespace). */
function withoutRepo(command: string[], env: Record<string, string>, input = '') {
  return execa(
    'unshare',
    ['--mount', '--', 'sh', '-c', 'mount -t tmpfs none "$0" && exec "$@"', REPO, ...command],
    {
      env: { PATH: process.env.PATH!, ...env },
      extendEnv: false,
      input,
      reject: false,
    },
  );
}

describe.skipIf(noNetns).concurrent('urunc-tap install', () => {
  test('installs a plugin that works without the repository, atomically replaced on reinstall', async ({
    pod: makePod,
  }) => {
    const bin = tempDir();
    const first = await urunc(['install', '--cni-bin-dir', bin, '--json']);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.json).toMatchObject({
      installed: join(bin, 'urunc-tap'),
      version: VERSION,
      node: process.execPath,
      chained: null,
    });
    expect(readdirSync(bin).sort()).toEqual(['.urunc-tap', 'urunc-tap']);
    const launcher = readFileSync(join(bin, 'urunc-tap'), 'utf8');
    expect(launcher).not.toContain(REPO);

    const version = await withoutRepo(
      [join(bin, 'urunc-tap')],
      { CNI_COMMAND: 'VERSION' },
      '{"cniVersion":"1.1.0"}',
    );
    expect(version.exitCode, version.stderr).toBe(0);
    expect(JSON.parse(version.stdout).supportedVersions).toContain('1.1.0');
    const cliVersion = await withoutRepo([join(bin, 'urunc-tap'), '--version'], {});
    expect(cliVersion.stdout).toBe(VERSION);

    // A whole ADD and DEL through the installed plugin, the repository out of sight.
    const pod = await makePod();
    const cniEnv = {
      CNI_CONTAINERID: 'ctr-installed',
      CNI_NETNS: pod.netns,
      CNI_IFNAME: 'eth0',
      CNI_PATH: bin,
    };
    const config = JSON.stringify(netconf('1.1.0'));
    const added = await withoutRepo(
      [join(bin, 'urunc-tap')],
      { ...cniEnv, CNI_COMMAND: 'ADD' },
      config,
    );
    expect(added.exitCode, added.stdout + added.stderr).toBe(0);
    expect(JSON.parse(added.stdout).interfaces[0].name).toBe('tap0_urunc');
    expect(await redirectTargets(pod.ns, 'eth0')).toEqual(['tap0_urunc']);
    const deleted = await withoutRepo(
      [join(bin, 'urunc-tap')],
      { ...cniEnv, CNI_COMMAND: 'DEL' },
      config,
    );
    expect(deleted.exitCode, deleted.stdout + deleted.stderr).toBe(0);
    expect((await links(pod.ns)).map((l) => l.name).sort()).toEqual(['eth0', 'lo']);

    // Reinstalls keep the running bundle and the previous one, and drop older ones.
    const second = await urunc(['install', '--cni-bin-dir', bin, '--json']);
    const third = await urunc(['install', '--cni-bin-dir', bin, '--json']);
    expect(third.json.removedBundles).toEqual([first.json.bundle.split('/').at(-1)]);
    expect(readdirSync(join(bin, '.urunc-tap')).sort()).toEqual(
      [second.json.bundle, third.json.bundle].map((path: string) => path.split('/').at(-1)).sort(),
    );
    expect(readdirSync(bin).sort()).toEqual(['.urunc-tap', 'urunc-tap']);
  });

  it('chains into a conflist once, keeping a backup, and refuses a second time', async () => {
    const [bin, conf] = [tempDir(), tempDir()];
    const ptp = {
      cniVersion: '1.0.0',
      name: 'podnet',
      plugins: [{ type: 'ptp', ipam: { type: 'host-local' } }],
    };
    writeFileSync(join(conf, '10-ptp.conflist'), JSON.stringify(ptp));
    const out = await urunc([
      'install',
      '--cni-bin-dir',
      bin,
      '--conf-dir',
      conf,
      '--chain-into',
      'podnet',
    ]);
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.stdout).toMatch(
      new RegExp(`chained urunc-tap into ${conf}/10-ptp.conflist \\(backup: .*\\.bak\\)`),
    );
    const chained = JSON.parse(readFileSync(join(conf, '10-ptp.conflist'), 'utf8'));
    expect(chained.plugins).toEqual([...ptp.plugins, { type: 'urunc-tap' }]);
    const backups = readdirSync(conf).filter((file) => file.endsWith('.bak'));
    expect(backups).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(conf, backups[0]!), 'utf8'))).toEqual(ptp);

    const bundles = readdirSync(join(bin, '.urunc-tap'));
    const again = await urunc([
      'install',
      '--cni-bin-dir',
      bin,
      '--conf-dir',
      conf,
      '--chain-into',
      '10-ptp.conflist',
    ]);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toBe(
      `urunc-tap: ${conf}/10-ptp.conflist already chains urunc-tap; left unchanged`,
    );
    expect(readdirSync(join(bin, '.urunc-tap'))).toEqual(bundles);
    expect(readdirSync(conf).filter((file) => file.endsWith('.bak'))).toEqual(backups);
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
