// The corpus of hostile inputs (test/corpus/bad-inputs.json). A refusal is answered with its
// exact CNI error code and a message naming the field, prints nothing but that error, and
// changes nothing in the namespace. A DEL whose identity can be read exits 0 and cleans up,
// whatever else in the call is wrong, stale or missing.
import { execa } from 'execa';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { test } from '../helpers/fixtures.js';
import { createPod, destroyPod, snapshot, type Pod } from '../helpers/netns.js';
import { cni, netconf, withoutCapabilities, type Invocation } from '../helpers/plugin.js';
import { sh } from '../helpers/sh.js';
import { noNetns } from '../helpers/tier.js';

interface Case {
  name: string;
  command?: string;
  expect?: 'clean';
  env?: Record<string, string | null>;
  addEnv?: Record<string, string | null>;
  delEnv?: Record<string, string | null>;
  config?: Record<string, unknown>;
  addConfig?: Record<string, unknown>;
  delConfig?: Record<string, unknown>;
  dropCapabilities?: string[];
  stdin?: string;
  stdinGenerator?: '8MiB' | 'deep-nesting';
  code: number;
  msg: string;
}

const corpus = JSON.parse(
  readFileSync(new URL('../corpus/bad-inputs.json', import.meta.url), 'utf8'),
) as { cases: Case[] };
const refusals = corpus.cases.filter((entry) => entry.expect !== 'clean');
const cleanDels = corpus.cases.filter((entry) => entry.expect === 'clean');

const scratch = mkdtempSync(join(tmpdir(), 'urunc-tap-corpus-'));
const tokens: Record<string, string> = {
  $FILE: join(scratch, 'regular-file'),
  $DIR: scratch,
  $MISSING: join(scratch, 'no-such-namespace'),
  $HOST_PID_NETNS: '/proc/1/ns/net',
};
writeFileSync(tokens.$FILE!, '');
const tally = { tried: 0, refused: 0, dels: 0, cleaned: 0 };
const mounts: string[] = [];

/** Replaces the tokens of the corpus by this run's paths, anywhere in a JSON value. */
function resolve<T>(value: T, extra: Record<string, string>): T {
  const all: Record<string, string> = { ...tokens, ...extra };
  return JSON.parse(JSON.stringify(value), (_, v) =>
    typeof v === 'string' && v in all ? all[v] : v,
  ) as T;
}

/**
 * `netns` bind-mounted inside a directory only `nobody` may search: stat of that path fails
 * with EACCES for a process without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH.
 */
async function unreadablePath(netns: string): Promise<string> {
  const dir = join(mkdtempSync(join(scratch, 'eacces-')), 'locked');
  mkdirSync(dir, { mode: 0o700 });
  const path = join(dir, 'netns');
  writeFileSync(path, '');
  await sh('mount', ['--bind', netns, path]);
  mounts.push(path);
  chownSync(dir, 65534, 65534);
  chmodSync(dir, 0o700);
  return path;
}

/** Runs the plugin, without `capabilities` when the case says so. */
function run(invocation: Invocation, capabilities: string[] | undefined) {
  return cni({ ...invocation, via: capabilities && withoutCapabilities(capabilities) });
}

function envOf(...layers: Array<Record<string, string | null> | undefined>) {
  const env: Record<string, string | undefined> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer ?? {})) env[key] = value ?? undefined;
  }
  return env;
}

function configText(...layers: Array<Record<string, unknown> | undefined>): string {
  const config: Record<string, unknown> = { ...netconf('1.0.0') };
  for (const layer of layers) Object.assign(config, layer ?? {});
  for (const [key, value] of Object.entries(config)) if (value === '$delete') delete config[key];
  return JSON.stringify(config);
}

function stdinOfCase(entry: Case, extra: Record<string, string>): string {
  if (entry.stdinGenerator === '8MiB')
    return JSON.stringify({ ...netconf('1.0.0'), pad: 'x'.repeat(8 << 20) });
  if (entry.stdinGenerator === 'deep-nesting') {
    return JSON.stringify({ ...netconf('1.0.0'), nested: 0 }).replace(
      '0}',
      `${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
    );
  }
  if (entry.stdin !== undefined) return entry.stdin;
  return configText(resolve(entry.config ?? {}, extra));
}

afterAll(async () => {
  for (const path of mounts) await sh('umount', [path]).catch(() => {});
  rmSync(scratch, { recursive: true, force: true });
  console.log(
    `bad-input corpus: ${tally.tried} inputs tried, ${tally.refused} refused with the expected code and the namespace unchanged, ${tally.tried - tally.refused} failed; ${tally.dels} DELs with bad input, ${tally.cleaned} exited 0 and cleaned, ${tally.dels - tally.cleaned} failed`,
  );
});

describe.skipIf(noNetns)('bad inputs', () => {
  let pod: Pod;
  let before: unknown;
  let eacces: string;
  beforeAll(async () => {
    pod = await createPod();
    before = await snapshot(pod.ns);
    eacces = await unreadablePath(pod.netns);
  });
  afterAll(async () => {
    if (pod) await destroyPod(pod);
  });

  it('holds at least 150 refusals and 20 DELs that must clean', () => {
    expect(refusals.length).toBeGreaterThanOrEqual(150);
    expect(cleanDels.length).toBeGreaterThanOrEqual(20);
  });

  describe.concurrent.for(refusals.map((entry) => [entry.name, entry] as const))(
    '%s',
    ([, entry]) => {
      it(`is refused with code ${entry.code}`, async () => {
        tally.tried++;
        const extra = { $NETNS: pod.netns, $EACCES_NETNS: eacces };
        const out = await run(
          {
            command: entry.command ?? 'ADD',
            config: undefined,
            stdin: stdinOfCase(entry, extra),
            env: { CNI_NETNS: pod.netns, ...envOf(resolve(entry.env ?? {}, extra)) },
          },
          entry.dropCapabilities,
        );
        expect(out.exitCode).toBe(1);
        // stdout holds exactly one JSON document: the error.
        expect(out.json, out.stdout).toMatchObject({
          code: entry.code,
          cniVersion: expect.any(String),
        });
        expect(Object.keys(out.json).sort()).toEqual(
          expect.arrayContaining(['cniVersion', 'code', 'msg']),
        );
        expect(out.json.msg).toContain(entry.msg);
        expect(out.stderr).not.toMatch(/\n\s+at /);
        expect(await snapshot(pod.ns)).toEqual(before);
        tally.refused++;
      });
    },
  );
});

describe.skipIf(noNetns).concurrent('DELs with bad input', () => {
  test.for(cleanDels.map((entry) => [entry.name, entry] as const))(
    '%s: exits 0 and cleans',
    async ([, entry], { pod: makePod }) => {
      tally.dels++;
      const pod = await makePod();
      const clean = await snapshot(pod.ns);
      // A process in the pod namespace, to name it by /proc/PID/ns/net (it exits before DEL;
      // the namespace stays, pinned by its mount as a VMM would pin it).
      const holder = execa('nsenter', [`--net=${pod.netns}`, 'sleep', '600'], { reject: false });
      const pidPath = `/proc/${holder.pid}/ns/net`;
      const extra = {
        $NETNS: pod.netns,
        $PID_NETNS: pidPath,
        $EACCES_NETNS: entry.dropCapabilities ? await unreadablePath(pod.netns) : '',
      };
      try {
        const common = { containerId: `ctr-del-${pod.ns}`, config: undefined };
        const addEnv = envOf(resolve(entry.env ?? {}, extra), resolve(entry.addEnv ?? {}, extra));
        const added = await cni({
          ...common,
          command: 'ADD',
          stdin: configText(entry.config, entry.addConfig),
          env: { CNI_NETNS: pod.netns, ...addEnv },
        });
        expect(added.exitCode, added.stdout + added.stderr).toBe(0);
        expect(await snapshot(pod.ns)).not.toEqual(clean);
        holder.kill('SIGKILL');
        await holder;
        const delEnv = envOf(resolve(entry.env ?? {}, extra), resolve(entry.delEnv ?? {}, extra));
        const deleted = await run(
          {
            ...common,
            command: 'DEL',
            stdin: configText(entry.config, entry.delConfig),
            env: { CNI_NETNS: pod.netns, ...delEnv },
          },
          entry.dropCapabilities,
        );
        expect(deleted.exitCode, deleted.stdout + deleted.stderr).toBe(0);
        expect(deleted.stdout).toBe('');
        expect(deleted.stderr).not.toMatch(/\n\s+at /);
        // A namespace path that no longer leads to the pod: found by the tap's alias instead.
        if (delEnv.CNI_NETNS !== undefined && delEnv.CNI_NETNS !== pod.netns) {
          expect(deleted.stderr).toMatch(/searched the host's namespaces .*found it in 1\b/);
        }
        expect(await snapshot(pod.ns)).toEqual(clean);
        tally.cleaned++;
      } finally {
        holder.kill('SIGKILL');
      }
    },
  );
});
