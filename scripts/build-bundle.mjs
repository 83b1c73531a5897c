// Builds dist/ for the Node.js entry (bin/urunc-tap): the CNI path as one bundled file,
// dist/main.js, and the operator CLI as another, dist/cli/cli.js, which main.js imports only
// when no runtime calls (so a CNI verb never parses yargs). Files are written under a temporary
// name and renamed into place: a plugin started meanwhile (tests run in parallel) loads either
// the old or the new file, never half of one.
import * as esbuild from 'esbuild';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * CommonJS dependencies (cross-spawn, which execa uses) call require() on builtins; an ES
 * module bundle has no `require`, so give it one.
 */
const REQUIRE_BANNER =
  "import { createRequire as __urunc_tap_createRequire } from 'node:module';\n" +
  'const require = __urunc_tap_createRequire(import.meta.url);';

/** The version every build embeds: an installed executable has no package.json beside it. */
export const VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;

/**
 * Options every urunc-tap bundle shares. `__URUNC_TAP_VERSION__` is replaced by the version
 * (src/cli/version.ts falls back to package.json only when run unbundled, by the tests).
 */
const BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  legalComments: 'none',
  logLevel: 'warning',
  write: false,
  define: { __URUNC_TAP_VERSION__: JSON.stringify(VERSION) },
};

/** Keeps `import('./cli/cli.js')` of src/main.ts a run-time import of the CLI bundle. */
const cliStaysOutside = {
  name: 'cli-stays-outside',
  setup(build) {
    build.onResolve({ filter: /^\.\/cli\/cli\.js$/ }, () => ({
      path: './cli/cli.js',
      external: true,
    }));
  },
};

/** Writes esbuild's in-memory output files atomically (temp name, then rename). */
function writeAtomically(outputFiles) {
  for (const file of outputFiles) {
    mkdirSync(dirname(file.path), { recursive: true });
    const temp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temp, file.contents);
    renameSync(temp, file.path);
  }
}

async function main() {
  const esm = { ...BUNDLE_OPTIONS, format: 'esm', banner: { js: REQUIRE_BANNER } };
  const cni = await esbuild.build({
    ...esm,
    entryPoints: [join(ROOT, 'src/main.ts')],
    outfile: join(ROOT, 'dist/main.js'),
    plugins: [cliStaysOutside],
  });
  const cli = await esbuild.build({
    ...esm,
    entryPoints: [join(ROOT, 'src/cli/cli.ts')],
    outfile: join(ROOT, 'dist/cli/cli.js'),
  });
  writeAtomically([...cni.outputFiles, ...cli.outputFiles]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
