// The per-attachment lock: calls on one attachment run one at a time, others do not wait, the
// binder is injectable, and a lock whose holder was SIGKILLed is free at once.
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import {
  withAttachmentLock,
  type HeldLock,
  type LockBinder,
} from '../../src/plugin/attachment-lock.js';
import { nodeLockBinder } from '../../src/plugin/node-lock-binder.js';
import { lockName, type AttachmentId } from '../../src/plugin/marks.js';

const attachment = (containerId: string): AttachmentId => ({
  network: 'lock-test',
  containerId: `${containerId}-${process.pid}`,
  ifname: 'eth0',
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An in-memory binder: exclusive names, and a record of every bind and close. */
function memoryBinder() {
  const held = new Set<string>();
  const events: string[] = [];
  const bind: LockBinder = async (name) => {
    events.push(held.has(name) ? 'busy' : 'bound');
    if (held.has(name)) return undefined;
    held.add(name);
    return {
      close: () => {
        held.delete(name);
        events.push('closed');
      },
    };
  };
  return { bind, held, events };
}

describe('withAttachmentLock', () => {
  it("binds the attachment's name, runs the work, and closes the lock", async () => {
    const { bind, held, events } = memoryBinder();
    const id = attachment('one');
    const result = await withAttachmentLock(id, bind, async () => {
      expect([...held]).toEqual([lockName(id)]);
      return 'done';
    });
    expect(result).toBe('done');
    expect(events).toEqual(['bound', 'closed']);
    expect(held.size).toBe(0);
  });

  it('closes the lock when the work throws, and passes the error on', async () => {
    const { bind, held } = memoryBinder();
    const error = new Error('work failed');
    await expect(
      withAttachmentLock(attachment('throws'), bind, async () => {
        throw error;
      }),
    ).rejects.toBe(error);
    expect(held.size).toBe(0);
  });

  it('waits, binding again, while another holds the name', async () => {
    const { bind, events } = memoryBinder();
    const id = attachment('wait');
    const first = withAttachmentLock(id, bind, () => sleep(40));
    const second = withAttachmentLock(id, bind, async () => 'second');
    await expect(second).resolves.toBe('second');
    await first;
    expect(events[0]).toBe('bound');
    expect(events.filter((event) => event === 'busy').length).toBeGreaterThan(0);
    expect(events.slice(-2)).toEqual(['bound', 'closed']);
  });

  it('gives up with code 11 when the name stays taken', async () => {
    const never: LockBinder = async () => undefined;
    const started = Date.now();
    await expect(
      withAttachmentLock(attachment('taken'), never, async () => 'ran', 50),
    ).rejects.toMatchObject({
      code: 11,
      message:
        'another urunc-tap call on this attachment has been running for over 50 ms; try again later',
    });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('passes a binder failure on without running the work', async () => {
    let ran = false;
    const broken: LockBinder = async () => {
      throw new Error('EACCES');
    };
    await expect(
      withAttachmentLock(attachment('broken'), broken, async () => {
        ran = true;
      }),
    ).rejects.toThrow('EACCES');
    expect(ran).toBe(false);
  });
});

describe('nodeLockBinder', () => {
  it('runs the calls of one attachment one at a time', async () => {
    const events: string[] = [];
    const call = (name: string) =>
      withAttachmentLock(attachment('same'), nodeLockBinder, async () => {
        events.push(`${name} in`);
        await sleep(50);
        events.push(`${name} out`);
      });
    await Promise.all([call('a'), call('b'), call('c')]);
    expect(events).toHaveLength(6);
    for (let i = 0; i < events.length; i += 2)
      expect(events[i + 1]).toBe(events[i]!.replace('in', 'out'));
  });

  it('lets different attachments run side by side', async () => {
    let inside = 0;
    let most = 0;
    const call = (id: string) =>
      withAttachmentLock(attachment(id), nodeLockBinder, async () => {
        most = Math.max(most, ++inside);
        await sleep(50);
        inside--;
      });
    await Promise.all([call('x'), call('y'), call('z')]);
    expect(most).toBe(3);
  });

  it('answers undefined for a name already bound, and frees it on close', async () => {
    const name = lockName(attachment('direct'));
    const lock = (await nodeLockBinder(name)) as HeldLock;
    expect(lock).toEqual({ close: expect.any(Function) });
    expect(await nodeLockBinder(name)).toBeUndefined();
    lock.close();
    await sleep(10);
    const again = await nodeLockBinder(name);
    expect(again).toEqual({ close: expect.any(Function) });
    again!.close();
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
    await expect(
      withAttachmentLock(target, nodeLockBinder, async () => {}, 50),
    ).rejects.toMatchObject({ code: 11 });
    // ...until it dies without a chance to clean up: the kernel frees the name.
    holder.kill('SIGKILL');
    await holder;
    await expect(withAttachmentLock(target, nodeLockBinder, async () => 'ran', 200)).resolves.toBe(
      'ran',
    );
  });
});
