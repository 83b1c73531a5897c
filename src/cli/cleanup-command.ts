// `urunc-tap cleanup`: remove what urunc-tap made in a namespace a runtime left behind.
import { describeChange } from '../net/changes.js';
import { DEFAULT_TIMEOUT_MS } from '../plugin/config.js';
import { cleanup, type CleanupScope } from '../plugin/cleanup.js';
import type { Platform } from '../plugin/platform.js';
import { ExitCode } from './exit-codes.js';
import { namespacePath } from './namespace-arg.js';

/** Options of `urunc-tap cleanup`. */
export interface CleanupOptions extends CleanupScope {
  netns: string;
  json: boolean;
  dryRun: boolean;
}

/** Plans and applies the cleanup; prints what it removed (or would, with --dry-run). */
export async function runCleanup(platform: Platform, options: CleanupOptions): Promise<number> {
  const netns = namespacePath(options.netns);
  const scope = { tap: options.tap, ifname: options.ifname };
  const backend = platform.backend({ timeoutMs: DEFAULT_TIMEOUT_MS });
  // In the JSON's field order (stable fields): op, change, object, description.
  const changes = (await cleanup(backend, netns, scope, options.dryRun)).map((change) => {
    const { change: kind, object, text } = describeChange(change);
    return { op: change.op, change: kind, object, description: text };
  });
  if (options.json) {
    console.log(JSON.stringify({ netns, dryRun: options.dryRun, changes }, null, 2));
  } else if (changes.length === 0) {
    console.log(`${netns}: nothing of urunc-tap's to remove`);
  } else {
    const verb = options.dryRun ? 'would remove' : 'removed';
    console.log(
      `${netns}: ${verb} ${changes.length} ${changes.length === 1 ? 'object' : 'objects'}:`,
    );
    for (const change of changes) console.log(`  ${change.object}`);
  }
  return ExitCode.Ok;
}
