// Builds the self-contained executable: urunc-tap for /opt/cni/bin, needing no Node.js and no
// node_modules on the host. Two candidate runtimes, measured against each other by
// `npm run bench` (README, Performance):
//   bun  (shipped) `bun build --compile` of the bundle: Bun's runtime from the `bun` npm package;
//   sea            a Node.js single-executable application: the bundle as CommonJS (all a
//                  Node 20 SEA runs), prepared with --experimental-sea-config and injected with
//                  postject into a copy of the node binary running this script.
// Usage: node scripts/build-standalone.mjs [--runtime bun|sea] [--entry FILE] [--out FILE]
// (defaults: bun, src/main-native.ts, build/urunc-tap). The output is written under a temporary name
// and renamed into place, so a test running the old executable meanwhile is not disturbed.
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { BUNDLE_OPTIONS, REQUIRE_BANNER } from './build-bundle.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Where the shipped executable is built. */
export const STANDALONE_PATH = join(ROOT, 'build', 'urunc-tap');

/** Postject's sentinel for Node's SEA fuse (Node's documentation, "Single executable applications"). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/**
 * The Bun runtime binary. The `bun` package's postinstall moves it from the platform package
 * (@oven/bun-linux-x64, or -baseline on CPUs without AVX2) into bun/bin/bun.exe; without
 * install scripts it is still in the platform package.
 */
export function bunBinary() {
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

/** CommonJS has no import.meta: give `import.meta.url` the file's URL (in a SEA, the executable's). */
const CJS_IMPORT_META = {
  banner: { js: "const __urunc_tap_url = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__urunc_tap_url' },
};

/**
 * Bundles `entry` with everything inlined (the CLI too) into one file in `dir`.
 * `__URUNC_TAP_SELF_CONTAINED__` tells `urunc-tap install` that the running executable
 * (process.execPath) is the plugin itself, the file to copy into a CNI bin dir.
 */
async function bundleAll(entry, dir, format) {
  const outfile = join(dir, format === 'cjs' ? 'bundle.cjs' : 'bundle.mjs');
  const imports = format === 'esm' ? { banner: { js: REQUIRE_BANNER } } : CJS_IMPORT_META;
  await esbuild.build({
    ...BUNDLE_OPTIONS,
    write: true,
    entryPoints: [entry],
    outfile,
    format,
    ...imports,
    define: {
      ...BUNDLE_OPTIONS.define,
      ...imports.define,
      __URUNC_TAP_SELF_CONTAINED__: 'true',
    },
  });
  return outfile;
}

async function buildBun(entry, out, dir) {
  const bundle = await bundleAll(entry, dir, 'esm');
  execFileSync(
    bunBinary(),
    [
      'build',
      '--compile',
      // A plugin runs in whatever directory the runtime has: never read .env or bunfig.toml there.
      '--no-compile-autoload-dotenv',
      '--no-compile-autoload-bunfig',
      // Bytecode compiled at build time: measured here, it takes ~40% off the CPU time of a
      // start (parsing the bundle is most of it); ESM, as the bundle is (Bun's default with
      // --bytecode is CommonJS). Names are kept so stack traces stay readable.
      '--bytecode',
      '--format=esm',
      '--minify',
      '--keep-names',
      bundle,
      '--outfile',
      out,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

async function buildSea(entry, out, dir) {
  const bundle = await bundleAll(entry, dir, 'cjs');
  const blob = join(dir, 'sea.blob');
  const config = join(dir, 'sea-config.json');
  writeFileSync(
    config,
    JSON.stringify({
      main: bundle,
      output: blob,
      disableExperimentalSEAWarning: true,
      // V8's code cache of the bundle, made at build time: less parsing at every start.
      useCodeCache: true,
    }),
  );
  execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: 'ignore' });
  copyFileSync(process.execPath, out);
  // Postject's CLI in a child process: its ELF library prints harmless section warnings.
  const postject = createRequire(import.meta.url).resolve('postject/dist/cli.js');
  execFileSync(
    process.execPath,
    [postject, out, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE],
    { stdio: 'pipe' },
  );
}

/** Builds one self-contained executable of `entry` with `runtime` at `out`. */
export async function buildStandalone({ runtime = 'bun', entry, out = STANDALONE_PATH }) {
  const source = resolve(entry ?? join(ROOT, 'src', 'main-native.ts'));
  if (!existsSync(source)) throw new Error(`no such entry: ${source}`);
  const dir = mkdtempSync(join(tmpdir(), 'urunc-tap-standalone-'));
  // Built under its final name (Bun shows it in stack traces) in a directory beside `out`,
  // so that the rename into place stays on one filesystem.
  mkdirSync(dirname(out), { recursive: true });
  const staging = mkdtempSync(join(dirname(out), '.staging-'));
  const temp = join(staging, basename(out));
  try {
    if (runtime === 'bun') await buildBun(source, temp, dir);
    else if (runtime === 'sea') await buildSea(source, temp, dir);
    else throw new Error(`unknown runtime ${runtime}: bun or sea`);
    renameSync(temp, out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(staging, { recursive: true, force: true });
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { runtime: { type: 'string' }, entry: { type: 'string' }, out: { type: 'string' } },
  });
  await buildStandalone({
    runtime: values.runtime,
    entry: values.entry,
    out: values.out ? resolve(values.out) : undefined,
  });
}
