// The installer's OCI image under podman, run as the DaemonSet of deploy/kubernetes/daemonset.yaml
// runs it: its command, args, mounts and security context, with the host paths bound to test
// dirs. Builds the image once per executable. Usable by any tier that needs a node's CNI dirs
// filled by the real installer (e.g. a containerd CRI test: installWithImage).
import { execa, type ResultPromise } from 'execa';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { EXECUTABLE } from './plugin.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const DAEMONSET = join(REPO, 'deploy', 'kubernetes', 'daemonset.yaml');

/** The tag tests build, apart from the release tag of scripts/build-image.sh's default. */
const TEST_IMAGE = 'localhost/urunc-tap-installer:test';

/** The DaemonSet's container, as the tests need it. */
interface InstallerContainer {
  command: string[];
  args: string[];
  mounts: Array<{ hostPath: string; mountPath: string; readOnly: boolean }>;
  user: string;
  readOnlyRoot: boolean;
  dropAll: boolean;
  noNewPrivileges: boolean;
  /** podman's --memory for the container's memory limit (128Mi -> 128m). */
  memory: string | undefined;
}

/** The installer container of deploy/kubernetes/daemonset.yaml. */
function installerContainer(): InstallerContainer {
  const daemonSet = parse(readFileSync(DAEMONSET, 'utf8'));
  const pod = daemonSet.spec.template.spec;
  const container = pod.containers[0];
  const hostPaths = new Map<string, string>(
    pod.volumes.map((volume: any) => [volume.name, volume.hostPath.path]),
  );
  const security = container.securityContext ?? {};
  const limit: string | undefined = container.resources?.limits?.memory;
  return {
    command: container.command,
    args: container.args,
    mounts: container.volumeMounts.map((mount: any) => ({
      hostPath: hostPaths.get(mount.name)!,
      mountPath: mount.mountPath,
      readOnly: mount.readOnly === true,
    })),
    user: `${security.runAsUser ?? 0}:${security.runAsGroup ?? 0}`,
    readOnlyRoot: security.readOnlyRootFilesystem === true,
    dropAll: (security.capabilities?.drop ?? []).includes('ALL'),
    noNewPrivileges: security.allowPrivilegeEscalation === false,
    memory: limit?.replace(/^(\d+)Mi$/, '$1m').replace(/^(\d+)Gi$/, '$1g'),
  };
}

let built: Promise<string> | undefined;

/**
 * Builds TEST_IMAGE from build/urunc-tap with scripts/build-image.sh, unless it already holds
 * this very executable (its label names the executable's sha256). Once per process.
 */
export function installerImage(): Promise<string> {
  built ??= (async () => {
    const sha = createHash('sha256').update(readFileSync(EXECUTABLE)).digest('hex');
    const label = await execa(
      'podman',
      [
        'image',
        'inspect',
        '--format',
        '{{index .Labels "io.urunc-tap.executable.sha256"}}',
        TEST_IMAGE,
      ],
      { reject: false },
    );
    if (label.exitCode !== 0 || label.stdout.trim() !== sha) {
      await execa('bash', [join(REPO, 'scripts', 'build-image.sh'), '--tag', TEST_IMAGE]);
    }
    return TEST_IMAGE;
  })();
  return built;
}

/** A node's host root for the installer: the DaemonSet's hostPaths, under `root`. */
export function hostDirs(root: string) {
  const dir = (hostPath: string) => join(root, hostPath);
  return {
    root,
    cniBinDir: dir('/opt/cni/bin'),
    primaryConfDir: dir('/etc/cni/net.d'),
    confDir: dir('/etc/cni/urunc.d'),
    /** The conflist the installer derives for the urunc handler. */
    conflist: join(dir('/etc/cni/urunc.d'), '00-urunc-tap.conflist'),
  };
}

/** Options of one installer run. */
export interface InstallerRun {
  /** The host root: each hostPath of the DaemonSet is bound from ROOT/hostPath. */
  root: string;
  /** Keep the DaemonSet's --watch (default true); false runs it once. */
  watch?: boolean;
  /** Mount these host paths read-only although the DaemonSet does not. */
  readOnly?: string[];
  name?: string;
}

/**
 * Starts the installer container as the DaemonSet does: command, args, mounts (host paths
 * under `root`, created as DirectoryOrCreate would), user, read-only root, no capabilities, no
 * privilege escalation, the memory limit, and no network at all. Returns the `podman run`
 * process (attached: its stdout/stderr are the container's) and the container's name.
 */
export async function startInstaller(
  run: InstallerRun,
): Promise<{ name: string; process: ResultPromise<{ reject: false }> }> {
  const image = await installerImage();
  const container = installerContainer();
  const name =
    run.name ?? `urunc-tap-installer-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const args = container.args.filter((arg) => run.watch !== false || arg !== '--watch');
  const volumes = container.mounts.flatMap((mount) => {
    const host = join(run.root, mount.hostPath);
    mkdirSync(host, { recursive: true });
    const readOnly = mount.readOnly || run.readOnly?.includes(mount.hostPath);
    return ['--volume', `${host}:${mount.mountPath}${readOnly ? ':ro' : ''}`];
  });
  const podmanArgs = [
    'run',
    '--rm',
    '--name',
    name,
    '--network',
    'none',
    '--pull',
    'never',
    // This machine's root lacks CAP_SYS_RESOURCE: podman's default rlimits (nofile 1048576)
    // cannot be set here. Kubernetes sets none; these are below any host's limits.
    '--ulimit',
    'nofile=1024:1024',
    '--ulimit',
    'nproc=4096:4096',
    '--user',
    container.user,
    ...(container.readOnlyRoot ? ['--read-only'] : []),
    ...(container.dropAll ? ['--cap-drop', 'all'] : []),
    ...(container.noNewPrivileges ? ['--security-opt', 'no-new-privileges'] : []),
    ...(container.memory ? ['--memory', container.memory] : []),
    ...volumes,
    '--entrypoint',
    container.command[0]!,
    image,
    ...container.command.slice(1),
    ...args,
  ];
  return { name, process: execa('podman', podmanArgs, { reject: false, timeout: 120_000 }) };
}

/** Stops a running installer as the kubelet does (SIGTERM, then SIGKILL after the grace period). */
export async function stopInstaller(name: string, graceSeconds = 10): Promise<void> {
  await execa('podman', ['stop', '--time', String(graceSeconds), name], { reject: false });
}

/**
 * Runs the installer once (the DaemonSet's args without --watch) on the host root `root`,
 * whose etc/cni/net.d must hold the primary conflist; resolves to the dirs it filled
 * (CNI bin dir with urunc-tap, the urunc handler's conf dir with its conflist). Throws with
 * the installer's output when it fails.
 */
export async function installWithImage(root: string) {
  const { process: run } = await startInstaller({ root, watch: false });
  const result = await run;
  if (result.exitCode !== 0) {
    throw new Error(`the installer image failed (exit ${result.exitCode}): ${result.stderr}`);
  }
  return { ...hostDirs(root), stdout: result.stdout };
}
