// A throwaway containerd (Debian's 1.6, CRI plugin, runc shim) in a "node" network namespace the
// test made, with every directory it writes under one temp dir, and a teardown that leaves no
// process, pod namespace, mount or file behind, also when a test failed.
import { execa, type ResultPromise } from 'execa';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { CriClient, type PodSpec, type SandboxStatus } from './cri-client.js';
import { buildPauseImage, PAUSE_IMAGE } from './cri-pause-image.js';
import { answersPing } from './fake-guest.js';
import { hostDirs, installWithImage } from './installer-image.js';
import { REFERENCE_PLUGINS } from './libcni.js';
import { linkNames } from './observe.js';
import { SHIPPED } from './plugin.js';
import { ipn, sh } from './sh.js';
import { waitFor } from './wait.js';

/** The network every conflist of the tier names: one name, so one host-local pool. */
const POD_NETWORK = 'urunc-cri';

/** Where containerd 1.6 mounts pod network namespaces (not configurable with our settings). */
const NETNS_DIR = '/var/run/netns';

/** How to set up a CriNode: its pod subnet and the chains of its conf dirs. */
export interface NodeOptions {
  /** Short name for the temp dir and the node namespace. */
  label: string;
  /** The pod subnet (host-local's range), only ever inside this node's namespaces. */
  subnet: string;
  /** Plugins chained after ptp in the node-wide conf dir (the default runtime, runc). */
  defaultChain?: Record<string, unknown>[];
  /** Runtime handlers besides runc: the runc shim again, with its own cni_conf_dir. */
  handlers?: Record<string, Record<string, unknown>[]>;
  /**
   * Let the installer image make this handler's conf dir and put urunc-tap into the bin dir,
   * as the DaemonSet does on a node: the node's dirs are then those of a host root (opt/cni/bin,
   * etc/cni/net.d for the node-wide conflist, etc/cni/urunc.d for the handler's).
   */
  installedHandler?: string;
}

/** A sandbox the tests ran, with where to look at it. */
export interface RunningPod extends SandboxStatus {
  /** The pod netns's name under /run/netns, for `ip -n`/`tc -n`. */
  ns: string;
}

/** A line of /proc: one process. */
interface Proc {
  pid: number;
  ppid: number;
  args: string[];
}

function processes(): Proc[] {
  const found: Proc[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      found.push({ pid: Number(entry), ppid, args });
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

/** The pids of `roots` and of all their descendants, children first. */
function withDescendants(all: Proc[], roots: number[]): number[] {
  const order: number[] = [];
  const visit = (pid: number) => {
    for (const child of all.filter((proc) => proc.ppid === pid)) visit(child.pid);
    order.push(pid);
  };
  roots.forEach(visit);
  return order;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    // A zombie is dead for our purposes (its parent, init here, reaps it in its own time).
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

/** rmdir of a cgroup and its children, deepest first (a cgroup with processes stays). */
function removeCgroupTree(path: string): void {
  let entries;
  try {
    entries = readdirSync(path, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) if (entry.isDirectory()) removeCgroupTree(join(path, entry.name));
  try {
    rmdirSync(path);
  } catch {
    // Busy or gone.
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The chain for one conf dir: ptp + host-local (leases in the temp dir), then `chain`. */
function conflist(ipamDir: string, subnet: string, chain: Record<string, unknown>[]) {
  return {
    cniVersion: '1.0.0',
    name: POD_NETWORK,
    plugins: [
      {
        type: 'ptp',
        ipam: {
          type: 'host-local',
          subnet,
          dataDir: ipamDir,
          routes: [{ dst: '0.0.0.0/0' }],
        },
      },
      ...chain,
    ],
  };
}

/** A TOML basic string (paths come from mkdtemp: no quotes or backslashes, but be exact). */
const toml = (value: string): string => JSON.stringify(value);

/**
 * One throwaway Kubernetes node's runtime: containerd with the CRI plugin, handlers `runc`
 * (default) and those of `options.handlers`, a CRI client on its socket, and the cleanup.
 */
export class CriNode {
  readonly dir: string;
  readonly nodeNs: string;
  readonly socket: string;
  readonly configFile: string;
  readonly binDir: string;
  readonly ipamDir: string;
  /** Conf dir per handler ("default" is the node-wide one). */
  readonly confDirs: Record<string, string>;
  readonly logFile: string;
  /** The mount namespace containerd runs in (see start()). */
  private readonly mountNs: string;
  readonly cri: CriClient;
  private daemon: ResultPromise | undefined;
  /** Sandboxes and the netns paths containerd made for them, as the tests saw them. */
  private readonly sandboxes = new Map<string, string>();
  private readonly inflight = new Set<Promise<unknown>>();
  /** Our own extra mounts of pod namespaces (see holdNetns). */
  private readonly holds = new Set<string>();

  private constructor(
    dir: string,
    readonly options: NodeOptions,
  ) {
    this.dir = dir;
    this.nodeNs = `ut-cri-${options.label}-${randomBytes(3).toString('hex')}`;
    this.socket = join(dir, 'containerd.sock');
    this.configFile = join(dir, 'config.toml');
    this.ipamDir = join(dir, 'ipam');
    this.logFile = join(dir, 'containerd.log');
    this.mountNs = join(dir, 'mntns');
    if (options.installedHandler) {
      const host = hostDirs(join(dir, 'host'));
      this.binDir = host.cniBinDir;
      this.confDirs = { default: host.primaryConfDir, [options.installedHandler]: host.confDir };
    } else {
      this.binDir = join(dir, 'cni-bin');
      this.confDirs = { default: join(dir, 'net.d') };
    }
    for (const handler of Object.keys(options.handlers ?? {})) {
      this.confDirs[handler] = join(dir, `net.d-${handler}`);
    }
    this.cri = new CriClient(this.socket);
  }

  /** Creates the node namespace, dirs, config and pause image, starts containerd. */
  static async start(options: NodeOptions): Promise<CriNode> {
    const node = new CriNode(
      await mkdtemp(join(tmpdir(), `urunc-tap-cri-${options.label}-`)),
      options,
    );
    try {
      await node.prepare();
      await node.startDaemon();
      // containerd learns of the image ctr imports through an event: wait until the CRI sees
      // it, or RunPodSandbox would try to pull the sandbox image (and there is no network).
      await sh('ctr', [
        '-a',
        node.socket,
        '-n',
        'k8s.io',
        'images',
        'import',
        await buildPauseImage(join(node.dir, 'image')),
      ]);
      const listed = async () => (await node.cri.imageId(PAUSE_IMAGE)) !== undefined;
      if (!(await waitFor(listed, true, 10_000))) {
        throw new Error(`containerd does not list ${PAUSE_IMAGE} after the import`);
      }
    } catch (error) {
      await node.destroy();
      throw error;
    }
    return node;
  }

  private async prepare(): Promise<void> {
    await sh('ip', ['netns', 'add', this.nodeNs]);
    // The CRI streaming server binds 127.0.0.1 in this namespace.
    await ipn(this.nodeNs, 'link', 'set', 'lo', 'up');
    for (const sub of ['root', 'state', 'tmp', 'run-containerd', 'cni-cache', 'pods', 'ipam']) {
      await mkdir(join(this.dir, sub), { recursive: true });
    }
    await mkdir(this.binDir, { recursive: true });
    // containerd adds its own loopback network: `loopback` must be in the bin dir.
    for (const plugin of ['loopback', 'ptp', 'host-local']) {
      await symlink(join(REFERENCE_PLUGINS, plugin), join(this.binDir, plugin));
    }
    // The shipped executable, as a DaemonSet installs it on a node (installed.test.ts has the
    // installer image put it there itself).
    if (!this.options.installedHandler) await symlink(SHIPPED, join(this.binDir, 'urunc-tap'));
    const chains: Record<string, Record<string, unknown>[]> = {
      default: this.options.defaultChain ?? [],
      ...this.options.handlers,
    };
    for (const [handler, chain] of Object.entries(chains)) {
      await mkdir(this.confDirs[handler]!, { recursive: true });
      await this.writeConflist(handler, conflist(this.ipamDir, this.options.subnet, chain));
    }
    // The installer image, run once as the DaemonSet runs it, copies the shipped executable into
    // the bin dir and derives the handler's conflist from the node-wide one.
    if (this.options.installedHandler) await installWithImage(join(this.dir, 'host'));
    await writeFile(this.configFile, this.config());
    // containerd writes two things outside its root and state dirs: libcni's result cache
    // (/var/lib/cni, no setting in 1.6) and the shims' sockets (/run/containerd/s). It runs in
    // a mount namespace of its own where both are bind mounts into the temp dir, so the host's
    // stay untouched. That namespace is made with propagation unchanged: /run/netns stays a
    // shared mount, so the pod netns mounts containerd makes there are the host's too (the
    // test reads them; `ip netns exec` would make everything a slave and hide them).
    const binds = [
      [join(this.dir, 'cni-cache'), '/var/lib/cni'],
      [join(this.dir, 'run-containerd'), '/run/containerd'],
    ] as const;
    for (const [, target] of binds) await mkdir(target, { recursive: true });
    await writeFile(this.mountNs, '');
    await sh('unshare', [`--mount=${this.mountNs}`, '--propagation', 'unchanged', 'true']);
    for (const [source, target] of binds) {
      await sh('nsenter', [`--mount=${this.mountNs}`, 'mount', '--bind', source, target]);
    }
  }

  private config(): string {
    const cri = 'plugins."io.containerd.grpc.v1.cri"';
    const handlers = Object.keys(this.options.handlers ?? {});
    if (this.options.installedHandler) handlers.push(this.options.installedHandler);
    const runtimes = handlers.map((handler) =>
      [
        `[${cri}.containerd.runtimes.${handler}]`,
        // The same runc shim: real urunc is not available here; the handler only picks the
        // conf dir, which 1.6 uses with no fallback to the node-wide one.
        `  runtime_type = "io.containerd.runc.v2"`,
        `  cni_conf_dir = ${toml(this.confDirs[handler]!)}`,
      ].join('\n'),
    );
    return [
      'version = 2',
      `root = ${toml(join(this.dir, 'root'))}`,
      `state = ${toml(join(this.dir, 'state'))}`,
      // Snapshotters that cannot work here, tracing, and the opt plugin (it makes /opt/containerd).
      'disabled_plugins = [',
      '  "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",',
      '  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",',
      '  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing",',
      '  "io.containerd.internal.v1.opt",',
      ']',
      '[grpc]',
      `  address = ${toml(this.socket)}`,
      '[ttrpc]',
      `  address = ${toml(`${this.socket}.ttrpc`)}`,
      '[debug]',
      '  level = "info"',
      `[${cri}]`,
      `  sandbox_image = ${toml(PAUSE_IMAGE)}`,
      // This machine lacks CAP_SYS_RESOURCE: without it runc cannot start the sandbox.
      '  restrict_oom_score_adj = true',
      '  disable_apparmor = true',
      '  stream_server_address = "127.0.0.1"',
      '  stream_server_port = "0"',
      `[${cri}.containerd]`,
      '  default_runtime_name = "runc"',
      '  snapshotter = "overlayfs"',
      `[${cri}.containerd.runtimes.runc]`,
      '  runtime_type = "io.containerd.runc.v2"',
      ...runtimes,
      `[${cri}.cni]`,
      `  bin_dir = ${toml(this.binDir)}`,
      `  conf_dir = ${toml(this.confDirs.default!)}`,
      '  max_conf_num = 1',
      // No registry may be asked for anything.
      `[${cri}.registry]`,
      '  config_path = ""',
      '',
    ].join('\n');
  }

  /**
   * Writes `conflist` into a handler's conf dir. In place (a temp name libcni does not load,
   * renamed within the dir): containerd ignores a conflist moved in from another directory.
   */
  async writeConflist(handler: string, value: unknown): Promise<void> {
    const dir = this.confDirs[handler]!;
    const file = join(dir, `10-${POD_NETWORK}.conflist`);
    await writeFile(`${file}.tmp`, JSON.stringify(value, null, 2));
    await rename(`${file}.tmp`, file);
  }

  /** Starts containerd (again, on the same dirs) and waits for its CRI to answer. */
  async startDaemon(): Promise<void> {
    if (this.daemon) throw new Error('containerd is already running');
    // nsenter --net (and --mount, see prepare): containerd itself in the node namespace, so
    // ptp's host-side veths and routes land there; the mount namespace keeps /run/netns shared.
    this.daemon = execa(
      'nsenter',
      [
        `--mount=${this.mountNs}`,
        `--net=/run/netns/${this.nodeNs}`,
        'containerd',
        '--config',
        this.configFile,
      ],
      {
        stdin: 'ignore',
        stdout: { file: this.logFile, append: true },
        stderr: { file: this.logFile, append: true },
        reject: false,
        env: { TMPDIR: join(this.dir, 'tmp') },
      },
    );
    const daemon = this.daemon;
    let exited = false;
    void daemon.then(() => {
      exited = true;
      // Died by itself (or was killed by a test): not running any more.
      if (this.daemon === daemon) this.daemon = undefined;
    });
    const ready = await waitFor(
      async () => {
        if (exited) return true;
        try {
          await this.cri.version(1000);
          return true;
        } catch {
          return false;
        }
      },
      true,
      20_000,
    );
    if (exited || !ready) {
      const tail = readFileSync(this.logFile, 'utf8').split('\n').slice(-20).join('\n');
      await this.stopDaemon();
      throw new Error(`containerd did not come up${exited ? ' (it exited)' : ''}:\n${tail}`);
    }
  }

  /** Stops containerd (SIGTERM, as a service manager does; SIGKILL after 10 s). Shims stay. */
  async stopDaemon(): Promise<void> {
    const daemon = this.daemon;
    if (!daemon) return;
    daemon.kill('SIGTERM');
    const timer = setTimeout(() => daemon.kill('SIGKILL'), 10_000);
    await daemon;
    clearTimeout(timer);
    this.daemon = undefined;
  }

  /** containerd's pid while it runs. */
  get daemonPid(): number | undefined {
    return this.daemon?.pid;
  }

  /** Stops and starts containerd with the same state. */
  async restartDaemon(): Promise<void> {
    await this.stopDaemon();
    await this.startDaemon();
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inflight.add(promise);
    void promise.finally(() => this.inflight.delete(promise)).catch(() => {});
    return promise;
  }

  /** RunPodSandbox as kubelet does, then PodSandboxStatus: the running pod. */
  async runPod(spec: PodSpec): Promise<RunningPod> {
    const namespace = spec.namespace ?? 'default';
    const id = await this.track(
      this.cri.runPodSandbox({
        ...spec,
        logDirectory: join(this.dir, 'pods', `${namespace}_${spec.name}_${spec.uid}`),
        // Under a cgroup of this node's own, so the teardown can remove the whole tree.
        cgroupParent: `/${this.nodeNs}/pod${spec.uid}`,
      }),
    );
    this.sandboxes.set(id, '');
    const status = await this.cri.podSandboxStatus(id);
    if (!status.netns.startsWith(`${NETNS_DIR}/`)) {
      throw new Error(`sandbox ${id} has its netns at "${status.netns}", not in ${NETNS_DIR}`);
    }
    this.sandboxes.set(id, status.netns);
    return { ...status, ns: basename(status.netns) };
  }

  /** StopPodSandbox then RemovePodSandbox, as kubelet does when a pod is deleted. */
  async stopAndRemove(id: string): Promise<void> {
    await this.track(this.cri.stopPodSandbox(id));
    await this.track(this.cri.removePodSandbox(id));
  }

  /** containerd's log size now, to read what it says after this point (logSince). */
  logSize(): number {
    return existsSync(this.logFile) ? statSync(this.logFile).size : 0;
  }

  /** containerd's warnings and errors logged since `offset` (see logSize). */
  logSince(offset: number): string[] {
    if (!existsSync(this.logFile)) return [];
    return (
      readFileSync(this.logFile)
        .subarray(offset)
        .toString('utf8')
        .split('\n')
        .filter((line) => /level=(warning|error|fatal)/.test(line))
        // What every StopPodSandbox logs: the shim of the killed sandbox going away.
        .filter((line) => !/cleaning up after shim disconnected|cleanup warnings/.test(line))
    );
  }

  /** The IPs host-local has leased in this node's pool. */
  async leases(): Promise<string[]> {
    const files = await readdir(join(this.ipamDir, POD_NETWORK)).catch(() => [] as string[]);
    return files.filter((name) => /^\d+\.\d+\.\d+\.\d+$/.test(name)).sort();
  }

  /** The pod netns paths the tests saw this containerd make that still exist. */
  remainingNetns(): string[] {
    return [...this.sandboxes.values()].filter((path) => path && existsSync(path));
  }

  /** Links of the node namespace other than lo (ptp's host-side veths). */
  async nodeLinks(): Promise<string[]> {
    return (await linkNames(this.nodeNs)).filter((name) => name !== 'lo');
  }

  /** Whether `ip` answers ping from the node namespace. */
  pingFromNode(ip: string): Promise<boolean> {
    return answersPing(this.nodeNs, ip);
  }

  /**
   * Keeps a pod's network namespace alive past containerd's removal of it: a bind mount of our
   * own under /run/netns (its name returned, for `ip -n`). Once StopPodSandbox has run, what is
   * left in it is what the chain's DEL left: the namespace going away would hide that.
   */
  async holdNetns(pod: RunningPod): Promise<string> {
    const name = `ut-cri-hold-${pod.id.slice(0, 12)}`;
    const path = `/run/netns/${name}`;
    this.holds.add(path);
    await writeFile(path, '');
    await sh('mount', ['--bind', pod.netns, path]);
    return name;
  }

  /** Drops the holds of holdNetns. */
  async releaseHolds(): Promise<void> {
    for (const path of this.holds) {
      await execa('umount', [path], { reject: false });
      await rm(path, { force: true });
      this.holds.delete(path);
    }
  }

  /** Stops and removes every sandbox containerd knows (the chain's DEL runs for each). */
  async removeAllPods(): Promise<string[]> {
    const problems: string[] = [];
    await Promise.race([Promise.allSettled([...this.inflight]), sleep(60_000)]);
    const ids = new Set(this.sandboxes.keys());
    for (const id of await this.cri.listPodSandboxIds().catch(() => [])) ids.add(id);
    // All at once, as a node drains: a failed scale test must not take minutes to clean up.
    await Promise.all(
      [...ids].map(async (id) => {
        const status = await this.cri.podSandboxStatus(id).catch(() => undefined);
        if (!status) return;
        if (status.netns) this.sandboxes.set(id, status.netns);
        await this.cri.stopPodSandbox(id).catch((e) => problems.push(String(e)));
        await this.cri.removePodSandbox(id).catch((e) => problems.push(String(e)));
      }),
    );
    return problems;
  }

  /** Whether containerd runs. */
  get running(): boolean {
    return this.daemon !== undefined;
  }

  /** containerd's shims (found by our socket on their command line). */
  shimPids(): number[] {
    return processes()
      .filter((proc) => basename(proc.args[0] ?? '') === 'containerd-shim-runc-v2')
      .filter((proc) =>
        proc.args.some((arg, i) => arg === this.socket && proc.args[i - 1] === '-address'),
      )
      .map((proc) => proc.pid)
      .filter(alive);
  }

  /**
   * Everything back as before: every sandbox stopped and removed through the CRI (so the
   * chain's DEL runs), containerd stopped, any shim and its children killed, the pod netns
   * mounts it made removed, the mount namespace, node namespace, cgroups and temp dir gone.
   * Never throws; safe to call twice.
   */
  async destroy(): Promise<void> {
    const problems: string[] = [];
    if (this.daemon) problems.push(...(await this.removeAllPods()));
    await this.releaseHolds();
    this.cri.close();
    await this.stopDaemon().catch((e) => problems.push(String(e)));
    // Shims outlive containerd by design; kill them with their children (the pause processes).
    const shims = this.shimPids();
    for (const pid of withDescendants(processes(), shims)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    if (!(await waitFor(async () => shims.every((pid) => !alive(pid)), true, 10_000))) {
      problems.push(`shims still alive: ${shims.filter(alive).join(' ')}`);
    }
    for (const path of this.remainingNetns()) {
      await sh('umount', [path]).catch((e) => problems.push(String(e)));
      await rm(path, { force: true });
    }
    for (const controller of readdirSync('/sys/fs/cgroup')) {
      removeCgroupTree(join('/sys/fs/cgroup', controller, this.nodeNs));
    }
    // Its last process gone, the mount namespace (and every mount containerd made) goes with it.
    if (existsSync(this.mountNs)) await execa('umount', [this.mountNs], { reject: false });
    await execa('ip', ['netns', 'del', this.nodeNs], { reject: false });
    await rm(this.dir, { recursive: true, force: true }).catch((e) => problems.push(String(e)));
    if (problems.length > 0)
      console.warn(`CRI node ${this.nodeNs} teardown: ${problems.join('; ')}`);
  }
}
