// The corpus of hostile inputs (test/corpus/bad-inputs.json): each is refused with its exact
// CNI error code and a message naming the field, prints nothing but that error, and changes
// nothing in the namespace.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPod, destroyPod, snapshot, type Pod } from '../helpers/netns.js';
import { cni, netconf } from '../helpers/plugin.js';
import { noNetns } from '../helpers/tier.js';

interface Case {
  name: string;
  command?: string;
  env?: Record<string, string | null>;
  config?: Record<string, unknown>;
  stdin?: string;
  stdinGenerator?: '8MiB' | 'deep-nesting';
  code: number;
  msg: string;
}

const corpus = JSON.parse(
  readFileSync(new URL('../corpus/bad-inputs.json', import.meta.url), 'utf8'),
) as {
  cases: Case[];
};

let pod: Pod;
let before: unknown;
const scratch = mkdtempSync(join(tmpdir(), 'urunc-tap-corpus-'));
const tokens: Record<string, string> = {
  $FILE: join(scratch, 'regular-file'),
  $DIR: scratch,
  $MISSING: join(scratch, 'no-such-namespace'),
};
writeFileSync(tokens.$FILE!, '');
const tally = { tried: 0, refused: 0 };

/** Replaces the tokens of the corpus by this run's paths, anywhere in a JSON value. */
function resolve<T>(value: T): T {
  const all: Record<string, string> = { ...tokens, $NETNS: pod.netns };
  return JSON.parse(JSON.stringify(value), (_, v) =>
    typeof v === 'string' && v in all ? all[v] : v,
  ) as T;
}

function stdinOf(entry: Case): string {
  if (entry.stdinGenerator === '8MiB')
    return JSON.stringify({ ...netconf('1.0.0'), pad: 'x'.repeat(8 << 20) });
  if (entry.stdinGenerator === 'deep-nesting') {
    return JSON.stringify({ ...netconf('1.0.0'), nested: 0 }).replace(
      '0}',
      `${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
    );
  }
  if (entry.stdin !== undefined) return entry.stdin;
  const config: Record<string, unknown> = { ...netconf('1.0.0'), ...resolve(entry.config ?? {}) };
  for (const [key, value] of Object.entries(config)) if (value === '$delete') delete config[key];
  return JSON.stringify(config);
}

describe.skipIf(noNetns)('bad inputs', () => {
  beforeAll(async () => {
    pod = await createPod();
    before = await snapshot(pod.ns);
  });
  afterAll(async () => {
    if (pod) await destroyPod(pod);
    rmSync(scratch, { recursive: true, force: true });
    console.log(
      `bad-input corpus: ${tally.tried} inputs tried, ${tally.refused} refused with the expected code and the namespace unchanged, ${tally.tried - tally.refused} failed`,
    );
  });

  it('holds at least 150 inputs', () => {
    expect(corpus.cases.length).toBeGreaterThanOrEqual(150);
  });

  describe.concurrent.for(corpus.cases.map((entry) => [entry.name, entry] as const))(
    '%s',
    ([, entry]) => {
      it(`is refused with code ${entry.code}`, async () => {
        tally.tried++;
        const env: Record<string, string | undefined> = { CNI_NETNS: pod.netns };
        for (const [key, value] of Object.entries(resolve(entry.env ?? {})))
          env[key] = value ?? undefined;
        const out = await cni({
          command: entry.command ?? 'ADD',
          config: undefined,
          stdin: stdinOf(entry),
          env,
        });
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
