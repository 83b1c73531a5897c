// The layering of src/, checked on the source: imports only go downward, and only
// src/net/exec.ts spawns processes.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

/** Which layers each layer may import (besides itself). */
const ALLOWED: Record<string, string[]> = {
  cni: [],
  net: [],
  generated: [],
  plugin: ['cni', 'net', 'generated'],
  cli: ['cni', 'net', 'plugin'],
  '.': ['cni', 'net', 'plugin', 'cli'],
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const layerOf = (path: string) => {
  const rel = relative(SRC, path);
  return rel.includes('/') ? rel.split('/')[0]! : '.';
};

const imports = (path: string) =>
  [...readFileSync(path, 'utf8').matchAll(/^(?:import|export)[^'"]*from\s+'([^']+)'/gm)].map(
    (m) => m[1]!,
  );

describe('architecture', () => {
  it.each(sources(SRC).map((path) => [relative(SRC, path), path]))(
    '%s imports only downward',
    (_, path) => {
      const layer = layerOf(path);
      for (const spec of imports(path).filter((s) => s.startsWith('.'))) {
        const target = layerOf(join(path, '..', spec));
        if (target === layer) continue;
        expect(ALLOWED[layer], `${relative(SRC, path)} imports ${spec}`).toContain(target);
      }
    },
  );

  it('spawns processes only in src/net/exec.ts', () => {
    const spawners = sources(SRC).filter((path) =>
      imports(path).some(
        (spec) => spec === 'execa' || spec === 'node:child_process' || spec === 'child_process',
      ),
    );
    expect(spawners.map((path) => relative(SRC, path))).toEqual(['net/exec.ts']);
  });

  it('loads yargs only in the CLI, off the CNI path', () => {
    const users = sources(SRC).filter((path) => imports(path).includes('yargs'));
    expect(users.map((path) => relative(SRC, path))).toEqual(['cli/cli.ts']);
    expect(readFileSync(join(SRC, 'main.ts'), 'utf8')).toMatch(
      /await import\('\.\/cli\/cli\.js'\)/,
    );
  });
});
