// The shipped executable's entry (build/urunc-tap, Bun-compiled): the kernel through rtnetlink
// and the tun ioctls in-process, no process per change.
import { bunStdio } from './cni/bun-stdio.js';
import { runEntry } from './entry.js';

runEntry({ stdio: bunStdio, load: () => import('./platform-native.js') });
