// vitest fixtures for the CRI tier: one throwaway containerd per test file (see CriNode), and
// after each test every sandbox stopped and removed and containerd running again, pass or fail.
import { test as base } from 'vitest';
import { CriNode, type NodeOptions } from './containerd.js';

/** A `test` whose `node` fixture is a containerd started once for the file with `options`. */
export function criTest(options: NodeOptions) {
  return base
    .extend('node', { scope: 'file' }, async ({}, { onCleanup }) => {
      const node = await CriNode.start(options);
      onCleanup(() => node.destroy());
      return node;
    })
    .extend('cleanNode', { auto: true }, async ({ node, onTestFailed }, { onCleanup }) => {
      // A failed test shows what containerd complained of meanwhile (CNI errors land there).
      const offset = node.logSize();
      onTestFailed(() => {
        const lines = node.logSince(offset);
        if (lines.length > 0) console.warn(`containerd said:\n${lines.slice(-30).join('\n')}`);
      });
      // Tests of a file share the node: leave it as the next one expects it.
      onCleanup(async () => {
        if (!node.running) await node.startDaemon();
        const problems = await node.removeAllPods();
        await node.releaseHolds();
        if (problems.length > 0) console.warn(`CRI cleanup after a test: ${problems.join('; ')}`);
      });
      return node;
    });
}

/**
 * Test options for this tier: a test drives containerd, runc and whole CNI chains, which can
 * take a while on a 2-core machine shared with other work.
 */
export const CRI_SLOW = { timeout: 120_000 };
