// The installer's OCI image (scripts/build-image.sh) run under podman exactly as the DaemonSet
// runs it (test/helpers/installer-image.ts), no network, the host paths bound to temp dirs:
// what is in the image, the files it lands, an idempotent rerun, --watch following a rewritten
// primary conflist and removing its own after the primary is deleted, SIGTERM, bad input.
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  hostDirs,
  installerImage,
  installWithImage,
  startInstaller,
  stopInstaller,
} from '../helpers/installer-image.js';
import { noPodman } from '../helpers/installer-image-tier.js';
import { EXECUTABLE } from '../helpers/plugin.js';
import { waitFor } from '../helpers/wait.js';

const VERSION = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
).version;

const roots: string[] = [];
afterAll(() => roots.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const calico = (name = 'k8s-pod-network') => ({
  name,
  cniVersion: '0.3.1',
  plugins: [
    { type: 'calico', ipam: { type: 'calico-ipam' } },
    { type: 'portmap', capabilities: { portMappings: true } },
  ],
});

/** A host root whose /etc/cni/net.d holds `primary`. */
function node(primary: Record<string, unknown> = { '10-calico.conflist': calico() }) {
  const root = mkdtempSync(join(tmpdir(), 'urunc-tap-image-'));
  roots.push(root);
  const dirs = hostDirs(root);
  for (const dir of [dirs.cniBinDir, dirs.primaryConfDir]) mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(primary)) {
    writeFileSync(join(dirs.primaryConfDir, name), JSON.stringify(content));
  }
  return dirs;
}

const hash = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const derivedNetwork = (file: string) => {
  try {
    return JSON.parse(readFileSync(file, 'utf8')).name as string;
  } catch {
    return undefined;
  }
};

describe.skipIf(noPodman)('the installer image under podman', () => {
  it('is FROM scratch: the executable and the libraries ldd names, nothing else', async () => {
    const image = await installerImage();
    const created = await execa('podman', ['create', '--pull', 'never', image]);
    const id = created.stdout.trim();
    try {
      // To a file: podman cannot open /dev/stdout when it is a socket.
      const tarball = join(mkdtempSync(join(tmpdir(), 'urunc-tap-image-')), 'rootfs.tar');
      roots.push(join(tarball, '..'));
      await execa('podman', ['export', '--output', tarball, id]);
      const files = (await execa('tar', ['-tf', tarball])).stdout
        .split('\n')
        .filter((entry) => entry && !entry.endsWith('/'))
        .sort();
      const ldd = (await execa('ldd', [EXECUTABLE])).stdout;
      const libraries = [...ldd.matchAll(/(?:=> )?(\/\S+) \(0x/g)].map((m) => m[1]!.slice(1));
      expect(files).toEqual([...new Set(libraries)].concat('urunc-tap').sort());
    } finally {
      await execa('podman', ['rm', id], { reject: false });
    }
    const inspect = JSON.parse((await execa('podman', ['image', 'inspect', image])).stdout)[0];
    expect(inspect.Config.Entrypoint).toEqual(['/urunc-tap']);
    expect(inspect.Labels['io.urunc-tap.executable.sha256']).toBe(hash(EXECUTABLE));
    expect(inspect.Labels['org.opencontainers.image.version']).toBe(VERSION);
    console.log(
      `installer image: ${(inspect.Size / 2 ** 20).toFixed(1)} MiB; executable ${(statSync(EXECUTABLE).size / 2 ** 20).toFixed(1)} MiB`,
    );
  });

  it('lands the executable and the derived conflist; a rerun changes nothing', async () => {
    const dirs = node({
      '10-calico.conflist': calico(),
      '99-loopback.conf': { cniVersion: '0.3.1', name: 'lo', type: 'loopback' },
    });
    const primary = readdirSync(dirs.primaryConfDir).map((f) => hash(join(dirs.primaryConfDir, f)));
    const first = await installWithImage(dirs.root);
    expect(first.stdout.split('\n')).toEqual([
      `installed urunc-tap ${VERSION} as /host/opt/cni/bin/urunc-tap (from /urunc-tap, the running executable)`,
      'wrote /host/etc/cni/urunc.d/00-urunc-tap.conflist: /host/etc/cni/net.d/10-calico.conflist (network "k8s-pod-network") with urunc-tap appended',
    ]);
    const plugin = join(dirs.cniBinDir, 'urunc-tap');
    expect(hash(plugin)).toBe(hash(EXECUTABLE));
    expect(statSync(plugin).mode & 0o7777).toBe(0o755);
    expect(JSON.parse(readFileSync(dirs.conflist, 'utf8'))).toEqual({
      ...calico(),
      plugins: [...calico().plugins, { type: 'urunc-tap' }],
    });
    expect(readdirSync(dirs.cniBinDir)).toEqual(['urunc-tap']);
    expect(readdirSync(dirs.confDir)).toEqual(['00-urunc-tap.conflist']);

    // The installed plugin runs on the host, outside the image.
    const version = await execa(plugin, [], {
      env: { CNI_COMMAND: 'VERSION' },
      input: '{"cniVersion":"1.0.0"}',
    });
    expect(JSON.parse(version.stdout).supportedVersions).toContain('1.1.0');

    const before = [statSync(plugin), statSync(dirs.conflist)].map((s) => [s.ino, s.mtimeMs]);
    const again = await installWithImage(dirs.root);
    expect(again.stdout.split('\n')).toEqual([
      `/host/opt/cni/bin/urunc-tap is already this urunc-tap ${VERSION}: left unchanged`,
      '/host/etc/cni/urunc.d/00-urunc-tap.conflist is up to date with /host/etc/cni/net.d/10-calico.conflist (network "k8s-pod-network"): left unchanged',
    ]);
    expect([statSync(plugin), statSync(dirs.conflist)].map((s) => [s.ino, s.mtimeMs])).toEqual(
      before,
    );
    expect(readdirSync(dirs.primaryConfDir).map((f) => hash(join(dirs.primaryConfDir, f)))).toEqual(
      primary,
    );
  });

  it('with --watch follows a rewritten primary conflist, removes its own when the primary goes, stops on SIGTERM', async () => {
    const dirs = node();
    const { name, process: installer } = await startInstaller({ root: dirs.root });
    try {
      expect(
        await waitFor(async () => derivedNetwork(dirs.conflist), 'k8s-pod-network', 30_000),
      ).toBe('k8s-pod-network');
      // The network agent rewrites its conflist (in place), then another one comes first.
      writeFileSync(
        join(dirs.primaryConfDir, '10-calico.conflist'),
        JSON.stringify(calico('rewritten')),
      );
      expect(await waitFor(async () => derivedNetwork(dirs.conflist), 'rewritten', 15_000)).toBe(
        'rewritten',
      );
      writeFileSync(
        join(dirs.primaryConfDir, '05-cilium.conflist'),
        JSON.stringify(calico('cilium')),
      );
      expect(await waitFor(async () => derivedNetwork(dirs.conflist), 'cilium', 15_000)).toBe(
        'cilium',
      );
      rmSync(join(dirs.primaryConfDir, '05-cilium.conflist'));
      rmSync(join(dirs.primaryConfDir, '10-calico.conflist'));
      expect(await waitFor(async () => existsSync(dirs.conflist), false, 15_000)).toBe(false);
    } finally {
      await stopInstaller(name);
    }
    const result = await installer;
    expect(result.exitCode, result.stderr).toBe(0);
    const lines = result.stderr.split('\n');
    expect(
      lines.every((line) => line.startsWith('urunc-tap install: ')),
      result.stderr,
    ).toBe(true);
    expect(lines.at(-1)).toBe(
      'urunc-tap install: stopping on SIGTERM; /host/etc/cni/urunc.d stays as it is',
    );
    expect(lines).toContain(
      'urunc-tap install: removed /host/etc/cni/urunc.d/00-urunc-tap.conflist: /host/etc/cni/net.d holds no conflist any more',
    );
    expect(readdirSync(dirs.confDir)).toEqual([]);
    expect(readdirSync(dirs.cniBinDir)).toEqual(['urunc-tap']);
  });

  it('fails with one line and leaves nothing behind: a read-only target, no primary conflist', async () => {
    const readOnly = node();
    const { process: run } = await startInstaller({
      root: readOnly.root,
      watch: false,
      readOnly: ['/etc/cni/urunc.d'],
    });
    const result = await run;
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(
      'urunc-tap: cannot write /host/etc/cni/urunc.d/00-urunc-tap.conflist: read-only file system (EROFS)',
    );
    expect(readdirSync(readOnly.confDir)).toEqual([]);

    const empty = node({});
    const { process: none } = await startInstaller({ root: empty.root, watch: false });
    const noPrimary = await none;
    expect(noPrimary.exitCode).toBe(1);
    expect(noPrimary.stderr).toMatch(
      /^urunc-tap: no conflist in \/host\/etc\/cni\/net\.d \(no \.conflist, \.conf or \.json file\)[^\n]*$/,
    );
    expect([readdirSync(empty.cniBinDir), readdirSync(empty.confDir)]).toEqual([[], []]);
  });
});
