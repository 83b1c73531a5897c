// The real-VMM tier's reading of the guest's ready line from a serial log that qemu is still
// writing: a line cut short is not the line (a crash-loop round once compared a download's
// digest with the 9 hex digits the log held so far).
import { describe, expect, it } from 'vitest';
import { guestReady } from '../helpers/qemu.js';

const LINE = 'URUNC-GUEST-READY ip=10.1.0.2 mac=02:00:00:00:00:01 sha256=4660628d94befd68';

describe('guestReady', () => {
  it('waits for the end of the line', () => {
    expect(guestReady('booting\r\n' + LINE.slice(0, 60))).toBeUndefined();
    expect(guestReady('booting\r\n' + LINE)).toBeUndefined();
  });

  it('reads the fields of a whole line, with or without a carriage return', () => {
    for (const end of ['\n', '\r\n']) {
      expect(guestReady(`booting${end}${LINE}${end}more`)).toEqual({
        line: LINE,
        ip: '10.1.0.2',
        mac: '02:00:00:00:00:01',
        sha256: '4660628d94befd68',
      });
    }
  });
});
