// The Node.js entry (bin/urunc-tap): the kernel through iproute2 processes (execa).
import { nodeStdio } from './stdio-node.js';
import { runEntry } from './entry.js';

runEntry({ stdio: nodeStdio, load: () => import('./platform-node.js') });
