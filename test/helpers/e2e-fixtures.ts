// vitest fixtures for the real-client tier: the real-namespace fixtures (pod, vmm) plus
// sandboxes and guests, all destroyed after each test, pass or fail, also when tests run
// concurrently.
import { test as base } from './fixtures.js';
import { startGuest, type FakeGuest } from './fake-guest.js';
import { createSandbox, destroySandbox, type Sandbox } from './sandbox.js';

export const test = base.extend<{
  /** A fresh sandbox (see createSandbox), destroyed after the test. */
  sandbox: Sandbox;
  /** Starts a stand-in guest answering for `ip` on a tap (see startGuest). */
  guest: (netns: string, tap: string, ip: string) => Promise<FakeGuest>;
}>({
  sandbox: async ({}, use) => {
    const sandbox = await createSandbox();
    await use(sandbox);
    await destroySandbox(sandbox);
  },
  guest: async ({}, use) => {
    const guests: FakeGuest[] = [];
    await use(async (netns, tap, ip) => {
      const guest = await startGuest(netns, tap, ip);
      guests.push(guest);
      return guest;
    });
    for (const guest of guests) await guest.kill();
  },
});

/**
 * Test options for this tier. Each test runs several whole chains of processes; on a 2-core
 * machine shared with other work that can take well over the default timeout, and a test that
 * times out keeps running while its fixtures are torn down.
 */
export const SLOW = { timeout: 180_000 };
