// The iproute2 backend: every read and change through `ip`/`tc` processes (the Node.js entry).
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import type { BackendFactory, NetBackend, Requirement } from '../backend.js';
import { createRunner, FALLBACK_PATH, PROGRAMS, type Runner } from './exec.js';
import { probeKernel } from './probe.js';
import { applyChanges, readLinksOf, readNamespace } from './read.js';

/** What installs each program on Debian and derivatives. */
const PACKAGE: Record<(typeof PROGRAMS)[number], string> = {
  setpriv: 'util-linux',
  nsenter: 'util-linux',
  ip: 'iproute2',
  tc: 'iproute2',
};

/** The iproute2 backend over `run` (the real runner, or a test's). */
export function iprouteBackend(run: Runner): NetBackend {
  return {
    name: 'iproute2',
    read: (netns) => readNamespace(run, netns),
    apply: (netns, changes) => applyChanges(run, netns, changes),
    readLinks: (namespaces) => readLinksOf(run, namespaces),
    requirements: () => PROGRAMS.map(findOnPath),
    probe: () => probeKernel(run),
  };
}

/** The backend of the Node.js entry: iproute2 through execa, with the configured timeout. */
export const createIprouteBackend: BackendFactory = ({ timeoutMs }) =>
  iprouteBackend(createRunner({ timeoutMs }));

/** Whether `program` is an executable file in a directory of PATH (a stat, no process). */
function findOnPath(program: (typeof PROGRAMS)[number]): Requirement {
  const dirs = (process.env.PATH || FALLBACK_PATH).split(':').filter(Boolean);
  for (const dir of dirs) {
    try {
      accessSync(join(dir, program), constants.X_OK);
      return { name: program, ok: true, detail: join(dir, program) };
    } catch {
      // Not in this directory.
    }
  }
  return {
    name: program,
    ok: false,
    detail: 'not found on PATH',
    fix: `apt-get install ${PACKAGE[program]}`,
  };
}
