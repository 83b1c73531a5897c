// The shipped executable's entry (build/urunc-tap, Bun-compiled): the kernel through rtnetlink
// and the tun ioctls in-process, no process per change.
import { runEntry } from './entry.js';
import { nativeStdio } from './stdio-native.js';

runEntry({ stdio: nativeStdio, load: () => import('./platform-native.js') });
