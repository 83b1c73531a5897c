// Scenario 3 of the real-VMM tier: a crash loop without DEL. The pod sandbox outlives its
// VMM: each new qemu attaches to the same tap and gets traffic, with no ADD and no tc change.
import { beforeAll, describe, expect } from 'vitest';
import { buildGuest, type GuestImage } from '../helpers/guest-image.js';
import { handPodIpToGuest, takePodIpBack, transfer } from '../helpers/guest-traffic.js';
import { podAnswersPing } from '../helpers/netns.js';
import { link, ourRules } from '../helpers/observe.js';
import { ipn } from '../helpers/sh.js';
import { test } from '../helpers/vmm-fixtures.js';
import { noVm } from '../helpers/vm-tier.js';
import { waitFor } from '../helpers/wait.js';
import { addForVmm, del, expectNothingOfOurs, qemuOptions } from './vmm-runtime.js';

/** Three restarts show the loop; each TCG boot costs ~4 s on this machine kind. */
const RESTARTS = 3;

/** The wiring as the kernel identifies it: tap ifindex, and our filters with action indexes. */
async function wiring(ns: string, podIf: string, tap: string) {
  const [tapLink] = JSON.parse(await ipn(ns, '-json', 'link', 'show', 'dev', tap)) as any[];
  return {
    tapIndex: tapLink.ifindex as number,
    podIfRules: await ourRules(ns, podIf),
    tapRules: await ourRules(ns, tap),
  };
}

describe.skipIf(noVm)('a crash-looping real VMM (qemu)', () => {
  let image: GuestImage;
  beforeAll(async () => {
    image = await buildGuest();
  }, 600_000);

  test(`${RESTARTS} × (qemu → traffic → kill -9) on one tap, with no ADD in between`, async ({
    pod: makePod,
    qemu,
  }) => {
    const pod = await makePod();
    const wired = await addForVmm(pod);
    const { tap } = wired.vmm;
    await handPodIpToGuest(pod);
    const wiredAs = await wiring(pod.ns, pod.ifname, tap);
    expect(wiredAs.podIfRules).toHaveLength(1);
    expect(wiredAs.tapRules).toHaveLength(1);

    for (let round = 1; round <= RESTARTS; round++) {
      const vm = qemu(qemuOptions(image, wired));
      const ready = await vm.ready();
      expect(await podAnswersPing(pod), `round ${round}: ping`).toBe(true);
      const seen = await transfer(pod, 1);
      expect(seen.download.sha256, `round ${round}: download`).toBe(ready.sha256);
      expect(seen.upload.guestSha256, `round ${round}: upload`).toBe(seen.upload.sha256);

      expect(await vm.kill()).toMatchObject({ signal: 'SIGKILL' });
      expect(await waitFor(async () => (await link(pod.ns, tap))?.carrier, false)).toBe(false);
      // Same tap device, same filters and actions: nothing was re-created or re-wired.
      expect(await wiring(pod.ns, pod.ifname, tap), `round ${round}: wiring`).toEqual(wiredAs);
    }

    await del(wired, true);
    await expectNothingOfOurs(pod, tap);
    await takePodIpBack(pod);
    expect(await podAnswersPing(pod, 4)).toBe(true);
  }, 600_000);
});
