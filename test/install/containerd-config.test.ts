// deploy/kubernetes/containerd-urunc.toml as containerd itself reads it: merged into containerd's
// default config, `containerd config dump` must show the urunc handler with its own CNI conf dir,
// every key of the snippet taken (a misspelt one is silently dropped by containerd: caught here),
// and runc left on the node-wide conf dir.
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const SNIPPET = fileURLToPath(
  new URL('../../deploy/kubernetes/containerd-urunc.toml', import.meta.url),
);
const CRI = 'plugins."io.containerd.grpc.v1.cri"';
const URUNC = `${CRI}.containerd.runtimes.urunc`;

const hasContainerd =
  (await execa('containerd', ['--version'], { reject: false }).catch(() => undefined))?.exitCode ===
  0;
if (!hasContainerd && process.env.CI === 'true') {
  throw new Error(
    'containerd is not installed (scripts/install-deps.sh installs it): this tier cannot run under CI=true',
  );
}

const dir = mkdtempSync(join(tmpdir(), 'urunc-tap-containerd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** TOML as containerd writes it: `[table]` headers and `key = value` lines, by table. */
function tables(toml: string): Record<string, Record<string, string>> {
  const result: Record<string, Record<string, string>> = {};
  let table = '';
  for (const raw of toml.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      table = header[1]!;
      result[table] ??= {};
    } else if (line.includes('=')) {
      const at = line.indexOf('=');
      (result[table] ??= {})[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
  }
  return result;
}

/** The config containerd runs with for `snippet` merged into its default config. */
async function dumpMerged(snippet: string, name: string) {
  const defaults = (await execa('containerd', ['config', 'default'])).stdout;
  // One `version` per file: the default config has it already.
  const merged = `${defaults}\n${snippet.replace(/^version = 2$/m, '')}`;
  const file = join(dir, name);
  writeFileSync(file, merged);
  return tables((await execa('containerd', ['--config', file, 'config', 'dump'])).stdout);
}

/** The keys of the snippet's urunc table that containerd's dump does not show with that value. */
function dropped(snippet: string, dump: Record<string, Record<string, string>>): string[] {
  const wanted = tables(snippet)[URUNC] ?? {};
  return Object.entries(wanted)
    .filter(([key, value]) => dump[URUNC]?.[key] !== value)
    .map(
      ([key, value]) => `${key} = ${value} (containerd has ${dump[URUNC]?.[key] ?? 'no such key'})`,
    );
}

describe.skipIf(!hasContainerd)('containerd-urunc.toml', () => {
  const snippet = readFileSync(SNIPPET, 'utf8');

  it('gives the urunc handler its own CNI conf dir and leaves runc on the node-wide one', async () => {
    const dump = await dumpMerged(snippet, 'merged.toml');
    expect(dump[URUNC]).toMatchObject({
      runtime_type: '"io.containerd.urunc.v2"',
      cni_conf_dir: '"/etc/cni/urunc.d"',
      cni_max_conf_num: '1',
    });
    expect(dropped(snippet, dump)).toEqual([]);
    expect(dump[`${CRI}.containerd`]?.default_runtime_name).toBe('"runc"');
    expect(dump[`${CRI}.containerd.runtimes.runc`]?.cni_conf_dir).toBe('""');
    expect(dump[`${CRI}.cni`]?.conf_dir).toBe('"/etc/cni/net.d"');
  });

  it('the check catches a key containerd does not know (it drops those without a word)', async () => {
    const typo = snippet.replace('cni_conf_dir =', 'cni_conf_dri =');
    const dump = await dumpMerged(typo, 'typo.toml');
    expect(dropped(typo, dump)).toEqual([
      'cni_conf_dri = "/etc/cni/urunc.d" (containerd has no such key)',
    ]);
    expect(dump[URUNC]?.cni_conf_dir).toBe('""');
  });

  it('must be merged, not imported: containerd 1.x lets an import replace the whole CRI section', async () => {
    const main = join(dir, 'main.toml');
    writeFileSync(
      main,
      `version = 2\nimports = [${JSON.stringify(SNIPPET)}]\n[${CRI}]\n  sandbox_image = "example.com/pause:1"\n`,
    );
    const dump = tables((await execa('containerd', ['--config', main, 'config', 'dump'])).stdout);
    expect(dump[URUNC]?.cni_conf_dir).toBe('"/etc/cni/urunc.d"');
    // The main file's own CRI setting is gone: why the snippet says to merge it.
    expect(dump[CRI]?.sandbox_image).not.toBe('"example.com/pause:1"');
  });
});
