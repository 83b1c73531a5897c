// Micro-benchmark of the netlink backend (not a test): medians of read, the ADD and DEL change
// lists, probe, batched vs one-by-one redirects, and the start of Bun-compiled executables that
// bind nothing, or libc and one socket. Run as root: `node_modules/bun/bin/bun.exe run test/netlink/bench.ts`.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Change } from '../../src/net/changes.js';

const ROUNDS = Number(process.env.ROUNDS ?? 30);
const BUN = process.execPath;
const ROOT = new URL('../..', import.meta.url).pathname;
const NS = `nlx-bench-${process.pid}`;
const NETNS = `/run/netns/${NS}`;

const run = (file: string, args: string[]) => execFileSync(file, args, { stdio: 'pipe' });
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (value: number) => `${value.toFixed(3)} ms`;

/** Times `work` `rounds` times (`before` and `after` each round, untimed); prints the median. */
async function time(
  label: string,
  work: () => unknown,
  around: { before?: () => unknown; after?: () => unknown } = {},
): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    await around.before?.();
    const started = performance.now();
    await work();
    samples.push(performance.now() - started);
    await around.after?.();
  }
  const result = median(samples);
  const min = Math.min(...samples);
  console.log(`${label.padEnd(60)} median ${ms(result)} (min ${ms(min)}, n=${ROUNDS})`);
  return result;
}

const t0 = performance.now();
const { libc } = await import('../../src/native/libc.js');
const { createNetlinkBackend } = await import('../../src/net/netlink/backend.js');
const imported = performance.now();
// libc()'s cost: it takes Bun.FFI and dlopens libc's symbols (trampolines); the first interval
// times only the check that Bun.FFI is there.
if (typeof Bun === 'undefined' || !Bun.FFI) throw new Error('run this under Bun, with Bun.FFI');
const ffiLoaded = performance.now();
libc();
const bound = performance.now();
console.log(`import of the backend's modules (Bun transpiling TS): ${ms(imported - t0)}`);
console.log(
  `Bun.FFI: ${ms(ffiLoaded - imported)}; dlopen of libc's symbols: ${ms(bound - ffiLoaded)}`,
);

const { NamespaceHandle } = await import('../../src/net/netlink/namespace.js');
const { RouteSocket } = await import('../../src/net/netlink/socket.js');
const { addRedirectRequest, deletePriorityRequest } =
  await import('../../src/net/netlink/filter.js');
const { getLinkRequest, parseLink } = await import('../../src/net/netlink/link.js');

const backend = createNetlinkBackend({ timeoutMs: 5000 });
const tap = 'tap0_urunc';
const add: Change[] = [
  {
    op: 'create-tap',
    name: tap,
    staging: 'utap-bench',
    owner: 0,
    group: 0,
    vnetHdr: true,
    multiQueue: false,
    mtu: 1500,
    mac: '02:75:00:00:00:01',
    alias: 'urunc-tap bench',
  },
  { op: 'add-ingress-qdisc', dev: 'eth0', mark: 0x7572 },
  { op: 'add-ingress-qdisc', dev: tap, mark: 0x7572 },
  { op: 'add-redirect', dev: 'eth0', pref: 49152, target: tap, cookie: '7572756300000001' },
  { op: 'add-redirect', dev: tap, pref: 49152, target: 'eth0', cookie: '7572756300000002' },
];
const del: Change[] = [
  { op: 'delete-priority', dev: 'eth0', pref: 49152, kind: 'u32' },
  { op: 'delete-ingress-qdisc', dev: 'eth0' },
  { op: 'delete-link', name: tap },
];
run('ip', ['netns', 'add', NS]);
const dir = mkdtempSync(join(tmpdir(), 'nlx-bench-'));
try {
  run('ip', ['-n', NS, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'veth0']);
  run('ip', ['-n', NS, 'link', 'set', 'eth0', 'up']);
  run('ip', ['-n', NS, 'link', 'set', 'veth0', 'up']);

  const apply = (changes: Change[]) => () => backend.apply(NETNS, changes);
  console.log(`\nin-process, a namespace with lo and a veth pair`);
  await time('read (no hooks: 1 link dump, 1 qdisc dump)', () => backend.read(NETNS));
  await backend.apply(NETNS, add);
  await time('read (after ADD: + 2 filter dumps)', () => backend.read(NETNS));
  await backend.apply(NETNS, del);
  await time('ADD list (tap, 2 ingress qdiscs, 2 redirects)', apply(add), { after: apply(del) });
  await time('DEL list (eth0 filter, eth0 qdisc, tap)', apply(del), { before: apply(add) });
  await time('probe (unshare, tap, ingress, u32, mirred; namespace freed)', () => backend.probe());
  await time('requirements (open + close a NETLINK_ROUTE socket)', () => backend.requirements());

  // Two redirects in one datagram vs one request each (why ChangeApplier does not batch).
  await backend.apply(NETNS, add.slice(0, 3));
  const ns = NamespaceHandle.open(NETNS);
  const socket = ns.run(() => new RouteSocket(NETNS, 5000));
  {
    const index = (name: string) => parseLink(socket.query(getLinkRequest(name), name))!.index;
    const [eth0, tapIndex] = [index('eth0'), index(tap)];
    const requests = () => [
      { bytes: addRedirectRequest(eth0, 49152, tapIndex, 'aa'), operation: 'eth0' },
      { bytes: addRedirectRequest(tapIndex, 49152, eth0, 'bb'), operation: 'tap' },
    ];
    const after = () => {
      socket.request(deletePriorityRequest(eth0, 49152, 'u32'), 'clean');
      socket.request(deletePriorityRequest(tapIndex, 49152, 'u32'), 'clean');
    };
    const check = (errors: unknown[]) => {
      if (errors.some(Boolean)) throw errors.find(Boolean);
    };
    await time(
      '2 redirects in one datagram (requestAll)',
      () => check(socket.requestAll(requests())),
      { after },
    );
    await time(
      '2 redirects, one request each',
      () => requests().forEach((r) => socket.request(r.bytes, r.operation)),
      { after },
    );
  }
  socket.close();
  ns.close();
  await backend.apply(NETNS, del.slice(1));

  console.log(`\nBun-compiled executables (bun build --compile --bytecode ...), whole process`);
  const backendImport = `import { createNetlinkBackend } from '${ROOT}src/net/netlink/backend.ts'; const b = createNetlinkBackend({ timeoutMs: 1000 });`;
  const programs: Array<[string, string, { before?: () => unknown; after?: () => unknown }]> = [
    ['empty program', 'process.exit(0);', {}],
    ['imports the backend, binds nothing', backendImport, {}],
    ['requirements() (dlopen + one socket)', `${backendImport} b.requirements();`, {}],
    ['read(netns)', `${backendImport} await b.read(process.argv[2]);`, {}],
    [
      'ADD list',
      `${backendImport} await b.apply(process.argv[2], ${JSON.stringify(add)});`,
      { after: apply(del) },
    ],
    [
      'DEL list',
      `${backendImport} await b.apply(process.argv[2], ${JSON.stringify(del)});`,
      { before: apply(add) },
    ],
  ];
  for (const [label, source, around] of programs) {
    const entry = join(dir, 'entry.ts');
    const binary = join(dir, 'program');
    writeFileSync(entry, source);
    run(BUN, [
      ...['build', '--compile', '--no-compile-autoload-dotenv', '--no-compile-autoload-bunfig'],
      ...['--bytecode', '--format=esm', '--minify', '--keep-names', entry, '--outfile', binary],
    ]);
    const spawn = () => {
      const result = spawnSync(binary, [NETNS], { stdio: 'pipe' });
      if (result.status !== 0) throw new Error(`${label}: ${result.stderr}`);
    };
    await time(label, spawn, around);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  run('ip', ['netns', 'del', NS]);
}
