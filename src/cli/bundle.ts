// What `urunc-tap install` copies: a self-contained bundle that runs without the repository.
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
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
 * transitively, theirs, each resolved as Node does (the nearest node_modules going up). A
 * package nested in another's node_modules travels with it, but its own dependencies may have
 * been hoisted to the top: they are followed too.
 */
export function runtimeDependencies(root: string): string[] {
  const modules = join(root, 'node_modules');
  const topLevel = new Set<string>();
  const seen = new Set<string>();
  const queue = [root];
  while (queue.length > 0) {
    const dir = queue.shift()!;
    const manifest = readPackage(dir);
    for (const name of Object.keys(dependenciesOf(manifest))) {
      const resolved = resolvePackage(root, dir, name);
      if (resolved === undefined) {
        if (manifest.optionalDependencies?.[name] !== undefined) continue;
        throw new Error(`runtime dependency ${name} of ${dir} is not installed`);
      }
      if (seen.has(resolved)) continue;
      seen.add(resolved);
      const path = relative(modules, resolved);
      if (!path.includes('node_modules')) topLevel.add(path);
      queue.push(resolved);
    }
  }
  return [...topLevel].sort();
}

/** Where `name` resolves from package directory `from`, not looking above `root`. */
function resolvePackage(root: string, from: string, name: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || dir === dirname(dir)) return undefined;
  }
}

function dependenciesOf(manifest: PackageJson): Record<string, string> {
  return { ...manifest.dependencies, ...manifest.optionalDependencies };
}

function readPackage(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
}
