// The per-attachment lock: calls on one attachment run one at a time, others do not wait,
// and a lock whose holder was SIGKILLed is free at once.
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { lockName, withAttachmentLock } from '../../src/plugin/attachment-lock.js';
import type { Attachment } from '../../src/plugin/attachment.js';

const attachment = (containerId: string): Attachment => ({
  network: 'lock-test',
  containerId: `${containerId}-${process.pid}`,
  ifname: 'eth0',
  netns: '/run/netns/x',
  tapName: 'tap0_urunc',
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('withAttachmentLock', () => {
  it('runs the calls of one attachment one at a time', async () => {
    const events: string[] = [];
    const call = (name: string) =>
      withAttachmentLock(attachment('same'), async () => {
        events.push(`${name} in`);
        await sleep(50);
        events.push(`${name} out`);
      });
    await Promise.all([call('a'), call('b'), call('c')]);
    for (let i = 0; i < events.length; i += 2)
      expect(events[i + 1]).toBe(events[i]!.replace('in', 'out'));
  });

  it('lets different attachments run side by side', async () => {
    let inside = 0;
    let most = 0;
    const call = (id: string) =>
      withAttachmentLock(attachment(id), async () => {
        most = Math.max(most, ++inside);
        await sleep(50);
        inside--;
      });
    await Promise.all([call('x'), call('y'), call('z')]);
    expect(most).toBe(3);
  });

  it('gives up with code 11 while another holds it', async () => {
    const held = withAttachmentLock(attachment('busy'), () => sleep(300));
    await expect(withAttachmentLock(attachment('busy'), async () => {}, 50)).rejects.toMatchObject({
      code: 11,
    });
    await held;
  });

  it('is free as soon as its holder is killed with SIGKILL', async () => {
    const target = attachment('killed');
    // Another process holds the lock's socket name, as a plugin process would...
    const holder = execa(
      'node',
      // argv cannot carry the name's leading NUL byte: the child puts it back.
      [
        '-e',
        "require('net').createServer().listen({ path: '\\0' + process.argv[1] }, () => console.log('locked'))",
        lockName(target).slice(1),
      ],
      { reject: false, buffer: false },
    );
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.on(
        'data',
        (chunk: Buffer) => chunk.toString().includes('locked') && resolve(),
      );
      holder.on('exit', (code) => reject(new Error(`holder exited early (${code})`)));
    });
    await expect(withAttachmentLock(target, async () => {}, 50)).rejects.toMatchObject({
      code: 11,
    });
    // ...until it dies without a chance to clean up: the kernel frees the name.
    holder.kill('SIGKILL');
    await holder;
    await expect(withAttachmentLock(target, async () => 'ran', 200)).resolves.toBe('ran');
  });
});
