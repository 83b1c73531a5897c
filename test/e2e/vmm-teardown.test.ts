// Scenarios 2 and 4 of the real-VMM tier: the VMM dies (kill -9) before DEL, and DEL comes
// while the VMM still runs. Either way DEL succeeds and the pod carries traffic again.
import { beforeAll, describe, expect } from 'vitest';
import { buildGuest, type GuestImage } from '../helpers/guest-image.js';
import { handPodIpToGuest, takePodIpBack } from '../helpers/guest-traffic.js';
import { namespaceCensus } from '../helpers/leak-census.js';
import { podAnswersPing, type Pod } from '../helpers/netns.js';
import { link, redirectTargets } from '../helpers/observe.js';
import type { Vm } from '../helpers/qemu.js';
import { test } from '../helpers/vmm-fixtures.js';
import { noVm } from '../helpers/vm-tier.js';
import { waitFor } from '../helpers/wait.js';
import { addForVmm, del, expectNothingOfOurs, qemuOptions, type WiredPod } from './vmm-runtime.js';

describe.skipIf(noVm)('DEL around a real VMM (qemu)', () => {
  let image: GuestImage;
  beforeAll(async () => {
    image = await buildGuest();
  }, 600_000);

  /** ADD, the pod IP handed to the guest, qemu booted and answering ping through the tap. */
  async function podWithGuest(pod: Pod, start: (wired: WiredPod) => Vm) {
    const wired = await addForVmm(pod);
    await handPodIpToGuest(pod);
    const vm = start(wired);
    await vm.ready();
    expect(await podAnswersPing(pod, 4)).toBe(true);
    return { wired, vm, tap: wired.vmm.tap };
  }

  test('kill -9 of the VMM → the tap survives → DEL cleans up → DEL again → pod traffic flows', async ({
    pod: makePod,
    qemu,
  }) => {
    const pod = await makePod();
    const { wired, vm, tap } = await podWithGuest(pod, (w) => qemu(qemuOptions(image, w)));

    expect(await vm.kill()).toMatchObject({ signal: 'SIGKILL' });
    // The tap outlives its VMM: still there and up, carrier gone (linkwatch batches carrier
    // changes up to ~1 s apart: poll), both redirects still wired to it.
    expect(await waitFor(async () => (await link(pod.ns, tap))?.carrier, false)).toBe(false);
    expect(await link(pod.ns, tap)).toMatchObject({ up: true });
    expect(await redirectTargets(pod.ns, pod.ifname)).toEqual([tap]);
    expect(await redirectTargets(pod.ns, tap)).toEqual([pod.ifname]);
    expect((await namespaceCensus(pod.ns)).tunFds).toBe(0);

    await del(wired, true);
    await expectNothingOfOurs(pod, tap);
    await del(wired, false);
    await expectNothingOfOurs(pod, tap);

    await takePodIpBack(pod);
    expect(await podAnswersPing(pod, 4)).toBe(true);
  }, 300_000);

  test('DEL while the VMM still runs → DEL succeeds, tap gone → the VMM can then be killed', async ({
    pod: makePod,
    qemu,
  }) => {
    const pod = await makePod();
    const { wired, vm, tap } = await podWithGuest(pod, (w) => qemu(qemuOptions(image, w)));

    await del(wired, true);
    await expectNothingOfOurs(pod, tap);
    // qemu keeps running, holding a tap fd whose device is gone; nothing else is in the pod.
    expect(vm.running()).toBe(true);
    expect(await namespaceCensus(pod.ns)).toMatchObject({ pids: [vm.pid], tunFds: 1 });

    expect(await vm.kill()).toMatchObject({ signal: 'SIGKILL' });
    expect((await namespaceCensus(pod.ns)).pids).toEqual([]);
    await del(wired, false);
    await expectNothingOfOurs(pod, tap);

    await takePodIpBack(pod);
    expect(await podAnswersPing(pod, 4)).toBe(true);
  }, 300_000);
});
