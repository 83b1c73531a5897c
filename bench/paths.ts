// Where things are. The benchmark runs bundled, from build/bench/bench.mjs.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's top directory. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The stopwatch helper (see measure.py). */
export const MEASURE_SCRIPT = join(ROOT, 'bench', 'measure.py');

/** The shell floors: the kernel work of each verb as plain ip/tc commands. */
export const SHELL_FLOOR_DIR = join(ROOT, 'bench', 'shell-floor');
