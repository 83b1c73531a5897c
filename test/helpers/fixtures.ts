// vitest fixtures for the real-namespace tier: whatever a test creates is destroyed after it,
// pass or fail, also when tests run concurrently.
import { test as base } from 'vitest';
import { createPod, destroyPod, type Pod } from './netns.js';
import { startVmm, type FakeVmm } from './vmm.js';

export const test = base.extend<{
  /** Creates a throwaway pod (see createPod). */
  pod: (options?: Parameters<typeof createPod>[0]) => Promise<Pod>;
  /** Starts a stand-in VMM on a tap (see startVmm). */
  vmm: (netns: string, tap: string) => Promise<FakeVmm>;
}>({
  pod: async ({}, use) => {
    const pods: Pod[] = [];
    await use(async (options) => {
      const pod = await createPod(options);
      pods.push(pod);
      return pod;
    });
    for (const pod of pods) await destroyPod(pod);
  },
  vmm: async ({}, use) => {
    const vmms: FakeVmm[] = [];
    await use(async (netns, tap) => {
      const vmm = await startVmm(netns, tap);
      vmms.push(vmm);
      return vmm;
    });
    for (const vmm of vmms) await vmm.kill();
  },
});
