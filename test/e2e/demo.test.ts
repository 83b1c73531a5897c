// The README's first command, run as CI runs it (root): scripts/demo.sh plays the original bug's
// scenario with a real qemu guest behind the tap. This checks what it printed, step by step, its
// exit code, and that nothing of it is left on the machine afterwards.
import { execa } from 'execa';
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { noVm } from '../helpers/vm-tier.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The demo's own names and addresses (scripts/demo.sh). */
const NAMESPACES = ['urunc-demo-pod', 'urunc-demo-node'];
const POD_IP = '10.99.0.2';
const QEMU_NAME = 'urunc-demo-guest';
/** How the demo shows its comparison of the wiring (tap ifindex, both filters) with ADD's. */
const DIFF = 'diff -u wiring-after-add wiring-now   # tap ifindex + both filters';

/** The demo's output cut at its `== ` step headers: [header, body] in order. */
function steps(stdout: string): Array<[string, string]> {
  return stdout
    .split(/^== /m)
    .slice(1)
    .map((chunk) => {
      const newline = chunk.indexOf('\n');
      return [chunk.slice(0, newline), chunk.slice(newline + 1)];
    });
}

/** The body of the one step whose header contains `words`. */
function step(all: Array<[string, string]>, words: string): string {
  const found = all.filter(([header]) => header.includes(words));
  expect(
    found.map(([header]) => header),
    `one step "${words}"`,
  ).toHaveLength(1);
  return found[0]![1];
}

/** Replies counted by each ping summary in `text` ("3 packets transmitted, N received"). */
function received(text: string): number[] {
  return [...text.matchAll(/(\d+) packets transmitted, (\d+) received/g)].map((m) => Number(m[2]));
}

/** Lines of a shown command's output: from its `$ ` line to the next `$ ` or `-> ` line. */
function outputOf(text: string, command: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line === `$ ${command}`);
  expect(start, `"$ ${command}" shown`).toBeGreaterThanOrEqual(0);
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => line.startsWith('$ ') || line.startsWith('-> '));
  return rest.slice(0, end < 0 ? rest.length : end).filter((line) => line.trim() !== '');
}

async function lines(file: string, args: string[]): Promise<string[]> {
  const { stdout } = await execa(file, args, { reject: false });
  return stdout.split('\n').filter((line) => line.trim() !== '');
}

describe.skipIf(noVm)('scripts/demo.sh (the README quick start)', () => {
  test('a qemu guest answers through the tap, survives kill -9 as a tap, answers again with no ADD; DEL leaves nothing', async () => {
    // The demo runs scripts/install-deps.sh first, which runs `npm ci` only when node_modules is
    // older than package-lock.json: that would replace node_modules under this very test run.
    const npmStamp = () => statSync(`${ROOT}/node_modules/.package-lock.json`).mtimeMs;
    const stampBefore = npmStamp();
    expect(
      statSync(`${ROOT}/package-lock.json`).mtimeMs,
      'node_modules is older than package-lock.json: run npm ci before this test',
    ).toBeLessThanOrEqual(stampBefore);

    const started = Date.now();
    const run = await execa('./scripts/demo.sh', [], {
      cwd: ROOT,
      reject: false,
      stdin: 'ignore',
      timeout: 170_000,
    });
    const seconds = (Date.now() - started) / 1000;
    const everything = `${run.stdout}\n--- stderr ---\n${run.stderr}`;
    expect(run.exitCode, everything).toBe(0);
    expect(run.stdout).not.toContain('FAILED');
    console.info(`demo: exit ${run.exitCode} after ${seconds.toFixed(1)} s`);
    // Its install step found everything installed: no npm ci (node_modules untouched).
    expect(npmStamp()).toBe(stampBefore);
    expect(run.stderr).not.toMatch(/^added \d+ packages/m);

    const all = steps(run.stdout);
    const add = step(all, 'ADD: the runtime creates the pod sandbox');
    expect(add).toContain('"name": "tap0_urunc"');

    // The black-hole repair, before any VMM.
    const broken = step(all, 'delete only the tap');
    expect(broken).toContain('Redirect to device *');
    expect(broken).toContain('black hole');
    expect(broken).toContain('-> CHECK failed (exit 1), as it should');
    expect(broken).toContain('-> inspect: black-hole (exit 3)');
    expect(step(all, 'ADD again repairs it')).toContain('-> CHECK ok');
    // Wired with no VMM yet is not a black hole; with the guest up it is healthy.
    expect(step(all, 'ADD again repairs it')).toContain('-> inspect: waiting-for-vmm (exit 0)');
    expect(step(all, 'The guest answers ping')).toContain('-> inspect: healthy (exit 0)');
    expect(step(all, 'kill -9 of the VMM')).toContain('-> inspect: waiting-for-vmm (exit 0)');

    // qemu on the tap from the ADD result, with the pod interface's MAC.
    const start = step(all, 'The runtime starts the VMM');
    const mac = /from the ADD result: tap tap0_urunc, MAC (\S+),/.exec(start)?.[1];
    expect(mac, start).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    expect(start).toContain(`URUNC-GUEST-READY ip=${POD_IP}/24 mac=${mac}`);
    expect(start).toContain(`ifname=tap0_urunc,`);
    const pids = [...run.stdout.matchAll(/-> qemu started, pid (\d+)/g)].map((m) => Number(m[1]));
    expect(pids).toHaveLength(2);

    // Only the guest holds the pod's IP, and it answers.
    const answers = step(all, 'The guest answers ping');
    const eth0 = outputOf(answers, 'ip -n urunc-demo-pod -br addr show dev eth0');
    expect(eth0.join('\n')).not.toContain(POD_IP);
    expect(received(answers)).toHaveLength(1);
    expect(received(answers)[0]).toBeGreaterThan(0);
    expect(answers).toContain(`bytes from ${POD_IP}`);

    // kill -9: the tap survives without carrier, both redirects as they were after ADD.
    const killed = step(all, 'kill -9 of the VMM');
    expect(killed).toContain(`$ kill -9 ${pids[0]}`);
    expect(killed).toContain('-> qemu killed by SIGKILL (exit status 137)');
    const tapLink = outputOf(killed, 'ip -n urunc-demo-pod link show dev tap0_urunc');
    expect(tapLink[0]).toMatch(/tap0_urunc: <NO-CARRIER,[^>]*\bUP\b/);
    expect(killed).toContain('Redirect to device tap0_urunc');
    expect(killed).toContain('Redirect to device eth0');
    expect(outputOf(killed, DIFF)).toEqual(['(no difference)']);
    expect(killed).toContain('-> CHECK ok');

    // ... and with no VMM on the tap, ping fails: eth0's redirect takes the packets to a tap
    // nobody reads.
    const blackHole = step(all, 'black-holed');
    expect(received(blackHole)).toEqual([0]);
    expect(blackHole).toContain('100% packet loss');
    const [, before, after] = /overlimits (\d+) -> (\d+)/.exec(blackHole) ?? [];
    expect(Number(after)).toBeGreaterThan(Number(before));

    // A new qemu on the same tap answers, with no ADD and no tc change: same wiring.
    const restarted = step(all, 'restarts the VMM');
    expect(restarted).not.toContain('CNI_COMMAND=');
    expect(restarted).not.toMatch(/^\$ tc /m);
    expect(restarted).toContain(`URUNC-GUEST-READY ip=${POD_IP}/24 mac=${mac}`);
    expect(received(restarted)).toHaveLength(1);
    expect(received(restarted)[0]).toBeGreaterThan(0);
    expect(outputOf(restarted, DIFF)).toEqual(['(no difference)']);
    expect(pids[1]).not.toBe(pids[0]);

    // kill -9 once more, then DEL (and DEL again) succeed.
    const deleted = step(all, 'then DEL');
    expect(deleted).toContain(`$ kill -9 ${pids[1]}`);
    expect(deleted).toContain('-> DEL ok');
    expect(deleted).toContain('-> second DEL ok');

    // Nothing of ours is left in the pod.
    const clean = step(all, "Nothing of urunc-tap's is left");
    const podLinks = outputOf(clean, 'ip -n urunc-demo-pod -br link').map(
      (line) => line.split(/\s+/)[0],
    );
    expect(podLinks).toEqual(['lo', 'eth0@if2']);
    expect(outputOf(clean, 'tc -n urunc-demo-pod qdisc show ingress')).toEqual([]);
    expect(outputOf(clean, 'tc -n urunc-demo-pod filter show dev eth0 ingress')).toEqual([]);

    // The pod interface, its address back, answers.
    const works = step(all, 'The pod interface works again');
    expect(received(works)).toHaveLength(1);
    expect(received(works)[0]).toBeGreaterThan(0);
    expect(run.stdout).toContain('Demo finished');

    // Nothing of the demo is left on the machine: namespaces, qemu, taps, temporary files.
    const namespaces = (await lines('ip', ['netns', 'list'])).map((line) => line.split(' ')[0]);
    for (const ns of NAMESPACES) expect(namespaces).not.toContain(ns);
    expect(await lines('pgrep', ['-f', QEMU_NAME])).toEqual([]);
    const qemus = (await lines('pgrep', ['qemu'])).map(Number);
    for (const pid of pids) expect(qemus).not.toContain(pid);
    const rootLinks = JSON.parse(
      (await execa('ip', ['-j', '-d', 'link', 'show'])).stdout,
    ) as Array<{
      ifname: string;
      ifalias?: string;
    }>;
    expect(rootLinks.filter((l) => l.ifalias?.startsWith('urunc-tap:demo:'))).toEqual([]);
    expect(readdirSync('/tmp').filter((name) => name.startsWith('urunc-demo.'))).toEqual([]);
  }, 180_000);
});
