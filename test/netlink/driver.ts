// Runs the netlink backend under Bun for the tests (vitest runs under Node, which has no FFI):
// `bun run test/netlink/driver.ts COMMAND ARGS...`, one JSON line on stdout per answer.
//   read NETNS                 the snapshot (hooks as an object)
//   read-links NETNS...        readLinks (an object by namespace)
//   apply NETNS CHANGES_JSON   {"ok":true} or {"error":{...NetError fields}}
//   replace-then-apply NETNS DEV CHANGES_JSON
//                              read NETNS, replace DEV by a new veth of the same name (NETNS is a named one),
//                              then apply on that read: {"ok":true} or {"error":{...}}
//   requirements | probe       what the backend methods return
//   stop-tap NETNS CHANGE_JSON STEP   apply a create-tap, print {"stopped":STEP} after STEP
//                              (created | configured | persistent) and block until killed
//   stop-probe STEP            run the probe, print {"stopped":STEP,"home":..,"probe":[..]}
//                              after STEP (probe: the nsfs link of its namespace) and block
//   timeout NETNS MS           wait for an answer that never comes (a request without ack)
//   hold-abstract NAME         bindAbstract("\0" + NAME): print {"bound":bool}, hold it until
//                              stdin closes
//   bun-listen NAME            Bun's own net.Server on "\0" + NAME: {"listening":bool}
//   probe-fds                  run the probe; its namespace, and our fds' namespaces after
//   sha256 TEXTS_JSON          sha256Hex of each text under Bun (the executable's hasher)
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { createNetlinkBackend } from '../../src/net/netlink/backend.js';
import { ChangeApplier, type TapStep } from '../../src/net/netlink/apply-change.js';
import { NetError } from '../../src/net/errors.js';
import type { Change } from '../../src/net/changes.js';
import type { ProbeStep } from '../../src/net/backend.js';
import { runProbe } from '../../src/net/netlink/probe.js';
import { withNamespace } from '../../src/net/netlink/session.js';
import { setLinkRequest } from '../../src/net/netlink/link.js';
import { bindAbstract } from '../../src/net/netlink/abstract-socket.js';
import { sha256Hex } from '../../src/plugin/sha256.js';

const [command, ...args] = process.argv.slice(2);
const backend = createNetlinkBackend({ timeoutMs: 5000 });

const print = (value: unknown) => process.stdout.write(JSON.stringify(value) + '\n');

/** A NetError's fields (its own properties are not all enumerable for JSON). */
export function errorFields(error: unknown): Record<string, unknown> {
  if (!(error instanceof NetError)) return { name: 'Error', message: String(error) };
  const { name, message, operation, netns, errno, timedOut, detail, progress } = error;
  return { name, message, operation, netns, errno, timedOut, detail, progress };
}

/** The network namespaces our fds refer to, as nsfs links ("net:[4026532000]"). */
function namespaceLinks(): string[] {
  const links = readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/self/fd/${fd}`)];
    } catch {
      return []; // the fd readdir itself used
    }
  });
  return [...new Set(links.filter((link) => link.startsWith('net:[')))];
}

const home = () => readlinkSync('/proc/thread-self/ns/net');

/** Blocks the JS thread until stdin closes (the test kills us first). */
function block(): never {
  readFileSync(0);
  process.exit(0);
}

try {
  switch (command) {
    case 'read': {
      const snapshot = await backend.read(args[0]!);
      print({ ...snapshot, hooks: Object.fromEntries(snapshot.hooks) });
      break;
    }
    case 'read-links':
      print(Object.fromEntries(await backend.readLinks(args)));
      break;
    case 'apply':
      await backend.apply(args[0]!, JSON.parse(args[1]!) as Change[]);
      print({ ok: true });
      break;
    case 'replace-then-apply': {
      const [netns, dev, changes] = args as [string, string, string];
      await backend.read(netns);
      const ip = (...words: string[]) => execFileSync('ip', ['-n', basename(netns), ...words]);
      ip('link', 'del', 'dev', dev);
      ip('link', 'add', dev, 'type', 'veth', 'peer', 'name', `${dev}-peer`);
      await backend.apply(netns, JSON.parse(changes) as Change[]);
      print({ ok: true });
      break;
    }
    case 'requirements':
      print(backend.requirements());
      break;
    case 'probe': {
      const failure = await backend.probe();
      print(failure ? { step: failure.step, error: errorFields(failure.error) } : { ok: true });
      break;
    }
    case 'stop-tap': {
      const [netns, change, stopAt] = args as [string, string, TapStep];
      withNamespace(netns, 5000, (socket, ns) =>
        new ChangeApplier(ns, socket, {
          hooks: {
            afterTapStep: (step) => {
              if (step !== stopAt) return;
              print({ stopped: step });
              block();
            },
          },
        }).apply([JSON.parse(change) as Change]),
      );
      print({ ok: true });
      break;
    }
    case 'stop-probe': {
      const stopAt = args[0] as ProbeStep;
      runProbe(5000, {
        afterStep: (step) => {
          if (step !== stopAt) return;
          // The probe's namespace: the one our fds hold that is not the one we are in.
          const here = home();
          const probe = namespaceLinks().filter((link) => link !== here);
          print({ stopped: step, home: here, probe });
          block();
        },
      });
      print({ ok: true });
      break;
    }
    case 'timeout': {
      const [netns, ms] = args as [string, string];
      // RTM_NEWLINK without NLM_F_ACK is answered only on failure: an ack never comes.
      withNamespace(netns, Number(ms), (socket) => {
        const request = setLinkRequest({ name: 'lo' }, { up: true });
        request[6] = 1; // nlmsg_flags = NLM_F_REQUEST only
        request[7] = 0;
        socket.request(request, 'ip link set dev lo up');
      });
      print({ ok: true });
      break;
    }
    case 'hold-abstract': {
      // argv cannot carry the leading NUL of an abstract name: it is added here.
      const socket = bindAbstract(`\0${args[0]!}`);
      print({ bound: socket !== undefined });
      if (socket) readFileSync(0);
      socket?.close();
      break;
    }
    case 'bun-listen': {
      // Bun's own net.Server on the same name: a different abstract address than Node's.
      const { createServer } = await import('node:net');
      const server = createServer();
      const listening = await new Promise<boolean>((resolve) => {
        server.once('error', () => resolve(false));
        server.listen({ path: `\0${args[0]!}` }, () => resolve(true));
      });
      print({ listening });
      server.close();
      break;
    }
    case 'probe-fds': {
      // The probe's namespace while it runs, and whether anything of ours holds it afterwards.
      let probe: string | undefined;
      const failure = runProbe(5000, {
        afterStep: (step) => {
          if (step === 'netns') probe = namespaceLinks().find((link) => link !== home());
        },
      });
      print({ failure: failure?.step, probe, heldAfter: namespaceLinks() });
      break;
    }
    case 'sha256':
      print((JSON.parse(args[0]!) as string[]).map(sha256Hex));
      break;
    default:
      throw new Error(`unknown command ${command}`);
  }
} catch (error) {
  print({ error: errorFields(error) });
}
