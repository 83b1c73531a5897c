// The shape of src/, checked on the source: imports only go downward, no file imports itself
// back through others (type-only imports included), only src/net/iproute2/exec.ts spawns
// processes, only src/native/libc.ts touches bun:ffi, yargs stays in the CLI, and the CNI
// path loads neither the networking code nor the CLI until a verb needs them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

/** Which layers each layer may import (besides itself). */
const ALLOWED: Record<string, string[]> = {
  cni: ['generated'],
  net: ['native'],
  native: [],
  generated: [],
  plugin: ['cni', 'net', 'generated'],
  cli: ['cni', 'net', 'plugin'],
  '.': ['cni', 'net', 'native', 'plugin', 'cli'],
};

interface Import {
  spec: string;
  /** `import type` / `export type`: erased at build time, but still a dependency. */
  typeOnly: boolean;
  /** `import('...')`: loaded only when that code runs. */
  dynamic: boolean;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(ts|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const FILES = sources(SRC);
const rel = (path: string) => relative(SRC, path);

const layerOf = (path: string) => {
  const name = rel(path);
  return name.includes('/') ? name.split('/')[0]! : '.';
};

/** Every import of a file: static (with or without `type`), re-exports, and dynamic. */
function importsOf(path: string): Import[] {
  const text = readFileSync(path, 'utf8');
  const found: Import[] = [];
  for (const m of text.matchAll(/^(import|export)(\s+type)?\b[^'"`;]*?from\s+'([^']+)'/gm)) {
    found.push({ spec: m[3]!, typeOnly: Boolean(m[2]), dynamic: false });
  }
  for (const m of text.matchAll(/^import\s+'([^']+)'/gm)) {
    found.push({ spec: m[1]!, typeOnly: false, dynamic: false });
  }
  for (const m of text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) {
    found.push({ spec: m[1]!, typeOnly: false, dynamic: true });
  }
  return found;
}
const IMPORTS = new Map(FILES.map((path) => [path, importsOf(path)]));

/** The src file a relative import names (`./x.js` is `x.ts` in the source tree). */
function resolve(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const target = join(from, '..', spec);
  for (const candidate of [target.replace(/\.js$/, '.ts'), target]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`${rel(from)} imports ${spec}, which does not exist`);
}

/** The src files `path` imports, through imports that `follow` accepts. */
function edges(path: string, follow: (i: Import) => boolean): string[] {
  return (IMPORTS.get(path) ?? [])
    .filter(follow)
    .map((i) => resolve(path, i.spec))
    .filter((target): target is string => target !== undefined);
}

/** Every src file reachable from `start`, and every package it names on the way. */
function closure(start: string, follow: (i: Import) => boolean) {
  const files = new Set<string>([start]);
  const packages = new Set<string>();
  const queue = [start];
  while (queue.length > 0) {
    const path = queue.pop()!;
    for (const i of (IMPORTS.get(path) ?? []).filter(follow)) {
      if (!i.spec.startsWith('.')) packages.add(i.spec);
    }
    for (const next of edges(path, follow)) {
      if (!files.has(next)) files.add(next) && queue.push(next);
    }
  }
  return { files: [...files].map(rel), packages: [...packages] };
}

/** The import cycles of the graph (Tarjan's strongly connected components of 2+ files). */
function cycles(follow: (i: Import) => boolean): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    for (const next of edges(node, follow)) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (stack.includes(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        component.push(rel(member));
      } while (member !== node);
      const selfImport = edges(node, follow).includes(node);
      if (component.length > 1 || selfImport) found.push(component.sort());
    }
  };
  for (const file of FILES) if (!index.has(file)) visit(file);
  return found;
}

const any = () => true;
const runtimeStatic = (i: Import) => !i.typeOnly && !i.dynamic;
const importersOf = (packages: string[]) =>
  FILES.filter((path) => (IMPORTS.get(path) ?? []).some((i) => packages.includes(i.spec))).map(rel);

describe('architecture', () => {
  it('finds the sources and their imports', () => {
    expect(FILES.map(rel)).toEqual(expect.arrayContaining(['main.ts', 'cni/dispatch.ts']));
    expect(importsOf(join(SRC, 'plugin', 'plugin.ts'))).toEqual(
      expect.arrayContaining([
        { spec: '../cni/plugin-api.js', typeOnly: true, dynamic: false },
        { spec: './marks.js', typeOnly: false, dynamic: false },
        { spec: './gc.js', typeOnly: false, dynamic: true },
      ]),
    );
  });

  it.each(FILES.map((path) => [rel(path), path]))('%s imports only downward', (_, path) => {
    const layer = layerOf(path);
    for (const target of edges(path, any)) {
      if (layerOf(target) === layer) continue;
      expect(ALLOWED[layer], `${rel(path)} imports ${rel(target)}`).toContain(layerOf(target));
    }
  });

  it('has no import cycles, counting type-only and dynamic imports', () => {
    expect(cycles(any)).toEqual([]);
  });

  it('keeps the protocol dispatcher free of plugin and networking code, types included', () => {
    const reached = closure(join(SRC, 'cni', 'dispatch.ts'), any).files;
    expect(reached.filter((file) => !file.startsWith('cni/'))).toEqual([]);
  });

  it.each(['main.ts', 'main-native.ts'])(
    '%s loads no networking, plugin or CLI code, nor execa, yargs or ajv, before a verb needs it',
    (entry) => {
      const { files, packages } = closure(join(SRC, entry), runtimeStatic);
      expect(files.filter((file) => /^(net|plugin|cli)\//.test(file))).toEqual([]);
      expect(packages.filter((name) => /^(execa|yargs|ajv)/.test(name))).toEqual([]);
    },
  );

  it('loads the operator CLI by a dynamic import', () => {
    expect(readFileSync(join(SRC, 'entry.ts'), 'utf8')).toMatch(/import\('\.\/cli\/cli\.js'\)/);
  });

  it('keeps node:fs, node:os and node:crypto out of what the executable loads before a verb', () => {
    const { packages } = closure(join(SRC, 'main-native.ts'), runtimeStatic);
    expect(packages.filter((name) => /^(node:)?(fs|os|crypto)$/.test(name))).toEqual([]);
  });

  it('spawns processes only in src/net/iproute2/exec.ts', () => {
    expect(importersOf(['execa', 'node:child_process', 'child_process'])).toEqual([
      'net/iproute2/exec.ts',
    ]);
  });

  it('calls libc through bun:ffi only in src/native/libc.ts', () => {
    expect(importersOf(['bun:ffi'])).toEqual(['native/libc.ts']);
  });

  it('loads yargs only in the CLI, off the CNI path', () => {
    const users = importersOf(['yargs', 'yargs/helpers']);
    expect(users.length).toBeGreaterThan(0);
    expect(users.filter((file) => !file.startsWith('cli/'))).toEqual([]);
  });
});
