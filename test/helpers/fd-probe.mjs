// Loaded into the plugin with NODE_OPTIONS=--import=<this file> by the leak audit: when the
// plugin process exits, prints the file descriptors it still holds, so a descriptor the
// plugin opened and never closed shows up although the process is short-lived.
import { readdirSync, readlinkSync } from 'node:fs';

process.on('exit', () => {
  const targets = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      targets.push(`${fd}=${readlinkSync(`/proc/self/fd/${fd}`)}`);
    } catch {
      // The directory handle readdirSync used, already closed.
    }
  }
  // vmm-leak-audit.test.ts looks for this prefix.
  process.stderr.write(`urunc-tap-fd-probe: ${JSON.stringify(targets)}\n`);
});
