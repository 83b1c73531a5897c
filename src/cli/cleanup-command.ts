// `urunc-tap cleanup`: remove what urunc-tap made in a namespace a runtime left behind.
import { createRunner } from '../net/exec.js';
import { cleanup, type CleanupScope } from '../plugin/cleanup.js';
import { opFields } from '../plugin/op-fields.js';
import { describe } from '../plugin/ops.js';
import { ExitCode } from './exit-codes.js';
import { namespacePath } from './namespace-arg.js';

/** Options of `urunc-tap cleanup`. */
export interface CleanupOptions extends CleanupScope {
  netns: string;
  json: boolean;
  dryRun: boolean;
}

/** Plans and applies the cleanup; prints what it removed (or would, with --dry-run). */
export async function runCleanup(options: CleanupOptions): Promise<number> {
  const netns = namespacePath(options.netns);
  const scope = { tap: options.tap, ifname: options.ifname };
  const { ops } = await cleanup(createRunner(), netns, scope, options.dryRun);
  if (options.json) {
    const changes = ops.map((op) => ({ ...opFields(op), description: describe(op) }));
    console.log(JSON.stringify({ netns, dryRun: options.dryRun, changes }, null, 2));
  } else if (ops.length === 0) {
    console.log(`${netns}: nothing of urunc-tap's to remove`);
  } else {
    const verb = options.dryRun ? 'would remove' : 'removed';
    console.log(`${netns}: ${verb} ${ops.length} ${ops.length === 1 ? 'object' : 'objects'}:`);
    for (const op of ops) console.log(`  ${opFields(op).object}`);
  }
  return ExitCode.Ok;
}
