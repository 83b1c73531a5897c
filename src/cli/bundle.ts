// What `urunc-tap install` copies: a self-contained bundle that runs without the repository.
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package.json fields the bundle needs. */
interface PackageJson {
  name?: string;
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** The tree this code runs from: the repository checkout, or an installed bundle (same layout). */
export function sourceRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}

/** The version of the tree at `root`. */
export function packageVersion(root = sourceRoot()): string {
  return readPackage(root).version;
}

/**
 * Writes the bundle into `dest` (which must not exist): a minimal package.json (the version,
 * and `"type": "module"`, without which Node would read dist/ as CommonJS), dist/, and
 * node_modules/ holding only the runtime dependencies and theirs, found by walking their
 * package.json files. When the project ships a single-file build, this is the one place to
 * copy it instead.
 */
export function writeBundle(root: string, dest: string): void {
  const manifest = readPackage(root);
  if (!existsSync(join(root, 'dist', 'main.js'))) {
    throw new Error(`${root} has no dist/main.js: build it first (npm run build)`);
  }
  mkdirSync(dest, { recursive: true, mode: 0o755 });
  writeFileSync(
    join(dest, 'package.json'),
    JSON.stringify(
      {
        name: manifest.name ?? 'urunc-tap',
        version: manifest.version,
        private: true,
        type: 'module',
      },
      null,
      2,
    ) + '\n',
  );
  cpSync(join(root, 'dist'), join(dest, 'dist'), { recursive: true });
  for (const name of runtimeDependencies(root)) {
    cpSync(join(root, 'node_modules', name), join(dest, 'node_modules', name), {
      recursive: true,
    });
  }
}

/**
 * The top-level node_modules entries the runtime needs: the dependencies of package.json and,
 * transitively, theirs. A dependency nested in its dependent's own node_modules travels with it.
 */
export function runtimeDependencies(root: string): string[] {
  const found = new Set<string>();
  const queue = Object.keys(dependenciesOf(readPackage(root)));
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (found.has(name)) continue;
    const dir = join(root, 'node_modules', name);
    if (!existsSync(join(dir, 'package.json'))) {
      throw new Error(`runtime dependency ${name} is not installed under ${root}/node_modules`);
    }
    found.add(name);
    const manifest = readPackage(dir);
    for (const dependency of Object.keys(dependenciesOf(manifest))) {
      if (!existsSync(join(dir, 'node_modules', dependency))) queue.push(dependency);
    }
  }
  return [...found].sort();
}

function dependenciesOf(manifest: PackageJson): Record<string, string> {
  return { ...manifest.dependencies, ...manifest.optionalDependencies };
}

function readPackage(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
}
