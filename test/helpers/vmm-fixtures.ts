// vitest fixtures for the real-VMM tier, on top of the real-namespace ones (pod, vmm): every
// qemu and tap holder a test starts is killed after it, pass or fail.
import { test as base } from './fixtures.js';
import { startQemu, type QemuOptions, type Vm } from './qemu.js';
import { startTapHolder, type TapHolder } from './tap-holder.js';

export const test = base.extend<{
  /** Starts qemu in a pod namespace (see startQemu). */
  qemu: (options: QemuOptions) => Vm;
  /** Starts the light fork-per-cycle stand-in VMM in a namespace (see startTapHolder). */
  tapHolder: (netns: string) => Promise<TapHolder>;
}>({
  qemu: async ({}, use) => {
    const vms: Vm[] = [];
    await use((options) => {
      const vm = startQemu(options);
      vms.push(vm);
      return vm;
    });
    for (const vm of vms) await vm.kill();
  },
  tapHolder: async ({}, use) => {
    const holders: TapHolder[] = [];
    await use(async (netns) => {
      const holder = await startTapHolder(netns);
      holders.push(holder);
      return holder;
    });
    for (const holder of holders) await holder.close();
  },
});
