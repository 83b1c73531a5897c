// Scenario 1 of the real-VMM tier: a qemu guest behind the plugin's tap carries ping and TCP
// from the node side of the pod's veth, with the data intact both ways.
import { beforeAll, describe, expect } from 'vitest';
import { buildGuest, type GuestImage } from '../helpers/guest-image.js';
import {
  GUEST_NETWORK,
  frameCounters,
  handPodIpToGuest,
  redirectCounters,
  transfer,
} from '../helpers/guest-traffic.js';
import { podAnswersPing } from '../helpers/netns.js';
import { link } from '../helpers/observe.js';
import { test } from '../helpers/vmm-fixtures.js';
import { noVm } from '../helpers/vm-tier.js';
import { addForVmm, qemuOptions } from './vmm-runtime.js';

const MIB = 4;

describe.skipIf(noVm)('a real VMM (qemu) behind the tap', () => {
  let image: GuestImage;
  beforeAll(async () => {
    image = await buildGuest();
  }, 600_000);

  test(`ADD → qemu → ping and ${MIB} MiB over TCP each way, checksums intact`, async ({
    pod: makePod,
    qemu,
  }) => {
    const pod = await makePod();
    const wired = await addForVmm(pod);
    const podIf = await link(pod.ns, pod.ifname);
    // What the runtime read from the result: our tap, the pod interface's MAC, the pod's IP.
    expect(wired.vmm).toEqual({ tap: 'tap0_urunc', mac: podIf!.mac, ...GUEST_NETWORK });
    expect((await link(pod.ns, wired.vmm.tap))?.tun).toMatchObject({ vnet_hdr: true });

    // With the IP off the pod interface and no VMM yet, nothing answers for the pod's address.
    await handPodIpToGuest(pod);
    expect(await podAnswersPing(pod)).toBe(false);

    const vm = qemu(qemuOptions(image, wired));
    const ready = await vm.ready();
    expect(ready.mac).toBe(podIf!.mac);
    expect(ready.ip).toBe(`${GUEST_NETWORK.address}/${GUEST_NETWORK.prefixLength}`);
    expect(await podAnswersPing(pod, 4)).toBe(true);

    const tapBefore = await frameCounters(pod.ns, wired.vmm.tap);
    const redirectBefore = await redirectCounters(pod.ns, pod.ifname);
    const seen = await transfer(pod, MIB);
    const tapAfter = await frameCounters(pod.ns, wired.vmm.tap);
    const redirectAfter = await redirectCounters(pod.ns, pod.ifname);

    // Node → guest download of the guest's random blob: its hash, as the guest announced it on
    // the serial console (another channel), matches what arrived.
    expect(seen.download.bytes).toBe(MIB << 20);
    expect(seen.download.sha256).toBe(ready.sha256);
    expect(seen.download.expectedSha256).toBe(ready.sha256);
    // Node → guest upload: the guest hashed what it received.
    expect(seen.upload.bytes).toBe(MIB << 20);
    expect(seen.upload.guestSha256).toBe(seen.upload.sha256);
    expect(seen.echo).toEqual({ bytes: 4096, same: true });

    // The bytes went through our redirect on the pod interface into the tap.
    expect(redirectAfter.bytes - redirectBefore.bytes).toBeGreaterThan(MIB << 20);
    // Frames larger than the MTU crossed the tap both ways: GSO frames, whose checksums are
    // left to the receiver (CHECKSUM_PARTIAL) and carried in the vnet header, survived the
    // redirect — and the hashes above say their payload arrived intact.
    const frameSize = (bytes: number, packets: number) => bytes / Math.max(packets, 1);
    const toGuest = frameSize(
      tapAfter.txBytes - tapBefore.txBytes,
      tapAfter.txPackets - tapBefore.txPackets,
    );
    const fromGuest = frameSize(
      tapAfter.rxBytes - tapBefore.rxBytes,
      tapAfter.rxPackets - tapBefore.rxPackets,
    );
    console.info(
      `vmm-traffic: boot→ready ${ready.line.match(/uptime=(\S+)/)?.[1]} s guest uptime; ` +
        `download ${seen.download.seconds} s, upload ${seen.upload.seconds} s; ` +
        `average frame to guest ${Math.round(toGuest)} B, from guest ${Math.round(fromGuest)} B`,
    );
    expect(toGuest).toBeGreaterThan(podIf!.mtu + 14);
    expect(fromGuest).toBeGreaterThan(podIf!.mtu + 14);
  }, 300_000);
});
