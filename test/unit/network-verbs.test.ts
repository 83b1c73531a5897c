// STATUS and GC in the protocol layer: no container needed, spec 1.1.0 only, the GC list.
import { describe, expect, it } from 'vitest';
import { CniError } from '../../src/cni/errors.js';
import type { CniPlugin, GcRequest, NetworkRequest } from '../../src/cni/plugin-api.js';
import { runDispatch } from './dispatch-run.js';

function recorder(overrides: Partial<CniPlugin> = {}) {
  const calls: Array<[string, NetworkRequest | GcRequest]> = [];
  const plugin: CniPlugin = {
    add: async () => ({ cniVersion: '1.1.0' }),
    del: async () => {},
    check: async () => {},
    status: async (request) => void calls.push(['status', request]),
    gc: async (request) => void calls.push(['gc', request]),
    ...overrides,
  };
  return { plugin, calls };
}

const run = (env: Record<string, string>, config: unknown, plugin: CniPlugin) =>
  runDispatch(env, JSON.stringify(config), plugin);

const conf = (extra: Record<string, unknown> = {}, cniVersion = '1.1.0') => ({
  cniVersion,
  name: 'net1',
  type: 'urunc-tap',
  ...extra,
});

describe('STATUS', () => {
  it('needs only CNI_COMMAND (the spec passes no container) and prints nothing when ready', async () => {
    const { plugin, calls } = recorder();
    const out = await run({ CNI_COMMAND: 'STATUS' }, conf(), plugin);
    expect(out).toMatchObject({ exitCode: 0, stdout: '', command: 'STATUS' });
    expect(calls).toEqual([['status', { version: '1.1.0', config: conf() }]]);
    expect(out.config).toEqual(conf());
    expect(out.env).toBeUndefined();
  });

  it('ignores the attachment variables, even malformed ones (the spec passes none)', async () => {
    const { plugin, calls } = recorder();
    const out = await run(
      { CNI_COMMAND: 'STATUS', CNI_CONTAINERID: '-bad', CNI_IFNAME: 'eth 0', CNI_ARGS: 'x' },
      conf(),
      plugin,
    );
    expect(out.exitCode).toBe(0);
    expect(calls).toEqual([['status', { version: '1.1.0', config: conf() }]]);
  });

  it.each(['0.3.1', '0.4.0', '1.0.0'])('is refused with code 1 for cniVersion %s', async (v) => {
    const { plugin, calls } = recorder();
    const out = await run({ CNI_COMMAND: 'STATUS' }, conf({}, v), plugin);
    expect(out.json).toMatchObject({ cniVersion: v, code: 1 });
    expect(out.json.msg).toContain('STATUS needs cniVersion 1.1.0 or newer');
    expect(calls).toEqual([]);
  });

  it('reports "not available" as the plugin says (code 50)', async () => {
    const { plugin } = recorder({
      status: async () => {
        throw new CniError(50, 'urunc-tap cannot serve ADD on this host: tc: not found', 'tc: ...');
      },
    });
    const out = await run({ CNI_COMMAND: 'STATUS' }, conf(), plugin);
    expect(out.exitCode).toBe(1);
    expect(out.json).toMatchObject({ cniVersion: '1.1.0', code: 50, details: 'tc: ...' });
  });

  it('is code 4 for a plugin that does not implement it', async () => {
    const { plugin } = recorder({ status: undefined });
    const out = await run({ CNI_COMMAND: 'STATUS' }, conf(), plugin);
    expect(out.json).toMatchObject({ code: 4 });
  });
});

describe('GC', () => {
  const valid = [
    { containerID: 'ctr1', ifname: 'eth0' },
    { containerID: 'ctr2', ifname: 'net1' },
  ];

  it('hands the plugin cni.dev/valid-attachments', async () => {
    const { plugin, calls } = recorder();
    const out = await run(
      { CNI_COMMAND: 'GC' },
      conf({ 'cni.dev/valid-attachments': valid }),
      plugin,
    );
    expect(out).toMatchObject({ exitCode: 0, stdout: '' });
    expect((calls[0]![1] as GcRequest).validAttachments).toEqual([
      { containerId: 'ctr1', ifname: 'eth0' },
      { containerId: 'ctr2', ifname: 'net1' },
    ]);
  });

  it('reads a missing key as an empty list (everything of the network is stale)', async () => {
    const { plugin, calls } = recorder();
    await run({ CNI_COMMAND: 'GC' }, conf(), plugin);
    expect((calls[0]![1] as GcRequest).validAttachments).toEqual([]);
  });

  it('falls back to the draft key cni.dev/attachments', async () => {
    const { plugin, calls } = recorder();
    await run({ CNI_COMMAND: 'GC' }, conf({ 'cni.dev/attachments': valid.slice(0, 1) }), plugin);
    expect((calls[0]![1] as GcRequest).validAttachments).toEqual([
      { containerId: 'ctr1', ifname: 'eth0' },
    ]);
  });

  it.each([
    [{ 'cni.dev/valid-attachments': 'ctr1' }, 'must be an array'],
    [{ 'cni.dev/valid-attachments': [42] }, '[0]" must be an object'],
    [{ 'cni.dev/valid-attachments': [{ ifname: 'eth0' }] }, '[0].containerID" must be'],
    [{ 'cni.dev/valid-attachments': [{ containerID: 'c', ifname: '' }] }, '[0].ifname" must be'],
  ])('refuses a malformed list %j with code 7, rather than guess', async (extra, message) => {
    const { plugin, calls } = recorder();
    const out = await run({ CNI_COMMAND: 'GC' }, conf(extra), plugin);
    expect(out.json).toMatchObject({ code: 7 });
    expect(out.json.msg).toContain(message);
    expect(calls).toEqual([]);
  });

  it('is refused with code 1 below cniVersion 1.1.0', async () => {
    const { plugin } = recorder();
    const out = await run({ CNI_COMMAND: 'GC' }, conf({}, '1.0.0'), plugin);
    expect(out.json).toMatchObject({ cniVersion: '1.0.0', code: 1 });
  });
});

it('names STATUS and GC among the commands it knows', async () => {
  const out = await run({ CNI_COMMAND: 'FROB' }, conf(), recorder().plugin);
  expect(out.json.msg).toContain('ADD, DEL, CHECK, VERSION, STATUS, GC');
});
