// Builds the self-contained executable: urunc-tap for /opt/cni/bin, needing no Node.js and no
// node_modules on the host. `bun build --compile` of the netlink entry (src/main-native.ts),
// with Bun's runtime from the `bun` npm package.
// Usage: node scripts/build-standalone.mjs [--entry FILE] [--out FILE]
// (defaults: src/main-native.ts, build/urunc-tap). The output is written under a temporary name
// and renamed into place, so a test running the old executable meanwhile is not disturbed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { VERSION } from './build-bundle.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Where the shipped executable is built. */
const STANDALONE_PATH = join(ROOT, 'build', 'urunc-tap');

/**
 * The Bun runtime binary. The `bun` package's postinstall moves it from the platform package
 * (@oven/bun-linux-x64, or -baseline on CPUs without AVX2) into bun/bin/bun.exe; without
 * install scripts it is still in the platform package.
 */
function bunBinary() {
  const modules = join(ROOT, 'node_modules');
  const candidates = [
    join(modules, 'bun', 'bin', 'bun.exe'),
    ...['bun-linux-x64', 'bun-linux-x64-baseline', 'bun-linux-aarch64'].map((name) =>
      join(modules, '@oven', name, 'bin', 'bun'),
    ),
  ];
  for (const path of candidates) {
    try {
      execFileSync(path, ['--version'], { stdio: 'pipe' });
      return path;
    } catch {
      // Missing, or the placeholder that says the postinstall did not run: try the next one.
    }
  }
  throw new Error('no working Bun binary in node_modules: run npm ci (with install scripts)');
}

/** Builds the executable of `entry` at `out`. */
function buildStandalone({ entry, out = STANDALONE_PATH } = {}) {
  const source = resolve(entry ?? join(ROOT, 'src', 'main-native.ts'));
  if (!existsSync(source)) throw new Error(`no such entry: ${source}`);
  // Built under its final name (Bun shows it in stack traces) in a directory beside `out`,
  // so that the rename into place stays on one filesystem.
  mkdirSync(dirname(out), { recursive: true });
  const staging = mkdtempSync(join(dirname(out), '.staging-'));
  const temp = join(staging, basename(out));
  try {
    execFileSync(
      bunBinary(),
      [
        'build',
        '--compile',
        // A plugin runs in whatever directory the runtime has: never read .env or bunfig.toml there.
        '--no-compile-autoload-dotenv',
        '--no-compile-autoload-bunfig',
        // Each dynamic import() its own chunk, loaded only when reached: measured here, the
        // whole program in one chunk (operator CLI, yargs, the validators) costs every start
        // ~6 ms over an empty program even when none of it runs; VERSION then loads almost
        // nothing, ADD no CLI, STATUS or GC.
        '--splitting',
        // Bytecode compiled at build time: less parsing at every start. ESM (Bun's default
        // with --bytecode is CommonJS). Names are kept so stack traces stay readable.
        '--bytecode',
        // A verb lives ~10 ms: compiling hot functions to machine code costs more than it
        // saves in that time (measured: ADD ~1 ms faster when the JIT never tiers up).
        '--compile-jit-policy=1000',
        '--format=esm',
        '--minify',
        '--keep-names',
        // The version, embedded: an installed executable has no package.json beside it; and
        // the word that the running executable is the plugin itself, the file `urunc-tap
        // install` copies into a CNI bin dir.
        `--define=__URUNC_TAP_VERSION__=${JSON.stringify(VERSION)}`,
        '--define=__URUNC_TAP_SELF_CONTAINED__=true',
        source,
        '--outfile',
        temp,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    renameSync(temp, out);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return out;
}

const { values } = parseArgs({ options: { entry: { type: 'string' }, out: { type: 'string' } } });
buildStandalone({ entry: values.entry, out: values.out ? resolve(values.out) : undefined });
