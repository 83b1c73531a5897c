// What the benchmark runs: the plugin in each of its builds, and the runtimes' bare starts.
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './paths.js';

/** A way to start a program: an absolute executable and its first arguments. */
export interface Launch {
  argv: string[];
}

/** The plugin in one of its builds, with the bare start of the runtime it runs on. */
export interface Subject {
  key: string;
  label: string;
  launch: Launch;
  /** Key of the runtime floor (a bare start) this build is compared with. */
  runtimeFloor: string;
  /** A self-contained executable: also held to the ratio targets against the shell floor. */
  standalone: boolean;
  /** Held to the targets at all (false for reference builds). */
  targeted: boolean;
  /** Also run in the scale test. */
  scale: boolean;
}

/** A runtime's bare start, or the start plus loading one library. */
export interface Floor {
  key: string;
  label: string;
  launch: Launch;
}

/** Everything the benchmark runs; `work` holds the builds made for it. */
export interface Lineup {
  subjects: Subject[];
  floors: Floor[];
}

const entry = (name: string) => join(ROOT, 'bench', 'entries', `${name}.ts`);

/** A Node.js bundle of `source` at `out`, built like dist/main.js. */
async function nodeBundle(source: string, out: string): Promise<void> {
  await esbuild.build({
    entryPoints: [source],
    outfile: out,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    logLevel: 'warning',
  });
}

/**
 * Builds what is compared: the Node.js entry as shipped in dist/ (bundled by `npm run build`),
 * the same source unbundled (tsc's output, to show what bundling gains), and the two
 * self-contained candidates (Bun and a Node SEA), each next to a bare-start program built the
 * same way and one that only loads execa.
 */
export async function prepareLineup(work: string): Promise<Lineup> {
  const node = process.execPath;
  const unbundled = join(ROOT, 'build', 'bench', 'unbundled');
  execFileSync(
    join(ROOT, 'node_modules', '.bin', 'tsc'),
    ['-p', join(ROOT, 'tsconfig.build.json'), '--outDir', unbundled],
    { stdio: 'inherit' },
  );
  await nodeBundle(entry('execa-only'), join(work, 'node-execa', 'main.mjs'));
  const standalone = async (runtime: string, name: string, source = join(ROOT, 'src/main.ts')) => {
    const out = join(work, runtime, name);
    const script = join(ROOT, 'scripts', 'build-standalone.mjs');
    execFileSync(node, [script, '--runtime', runtime, '--entry', source, '--out', out], {
      stdio: 'inherit',
    });
    return out;
  };
  const bun = await standalone('bun', 'urunc-tap');
  const sea = await standalone('sea', 'urunc-tap');
  const floors: Floor[] = [
    { key: 'node', label: 'node -e 0', launch: { argv: [node, '-e', '0'] } },
    {
      key: 'node-execa',
      label: 'node, loading execa (bundled)',
      launch: { argv: [node, join(work, 'node-execa', 'main.mjs')] },
    },
    {
      key: 'bun',
      label: 'Bun executable, empty program',
      launch: { argv: [await standalone('bun', 'bare', entry('bare'))] },
    },
    {
      key: 'bun-execa',
      label: 'Bun executable, loading execa',
      launch: { argv: [await standalone('bun', 'execa-only', entry('execa-only'))] },
    },
    {
      key: 'sea',
      label: 'Node SEA, empty program',
      launch: { argv: [await standalone('sea', 'bare', entry('bare'))] },
    },
  ];
  const subjects: Subject[] = [
    {
      key: 'node-entry',
      label: 'Node.js entry: bin/urunc-tap -> dist/main.js (bundled)',
      launch: { argv: [join(ROOT, 'bin', 'urunc-tap')] },
      runtimeFloor: 'node',
      standalone: false,
      targeted: true,
      scale: true,
    },
    {
      key: 'node-unbundled',
      label: 'Node.js, unbundled (tsc output; reference only)',
      launch: { argv: [node, join(unbundled, 'main.js')] },
      runtimeFloor: 'node',
      standalone: false,
      targeted: false,
      scale: false,
    },
    {
      key: 'bun',
      label: 'self-contained, Bun (shipped as build/urunc-tap)',
      launch: { argv: [bun] },
      runtimeFloor: 'bun',
      standalone: true,
      targeted: true,
      scale: true,
    },
    {
      key: 'sea',
      label: 'self-contained, Node SEA (candidate)',
      launch: { argv: [sea] },
      runtimeFloor: 'sea',
      standalone: true,
      targeted: true,
      scale: false,
    },
  ];
  return { subjects, floors };
}
