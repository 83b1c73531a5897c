// The protocol layer with injected I/O: env, stdin, versions, output and errors.
import { describe, expect, it } from 'vitest';
import { dispatch, type CniPlugin, type VerbRequest } from '../../src/cni/dispatch.js';
import { CniError } from '../../src/cni/errors.js';

const ENV = {
  CNI_COMMAND: 'ADD',
  CNI_CONTAINERID: 'ctr1',
  CNI_NETNS: '/run/netns/pod',
  CNI_IFNAME: 'eth0',
  CNI_PATH: '/opt/cni/bin',
};

/** A plugin that records its calls and answers with a fixed result. */
function recorder(behaviour: Partial<CniPlugin> = {}) {
  const calls: Array<[string, VerbRequest]> = [];
  const plugin: CniPlugin = {
    add: async (request) => (
      calls.push(['add', request]),
      behaviour.add ? behaviour.add(request) : { cniVersion: request.version }
    ),
    del: async (request) => void calls.push(['del', request]),
    check: async (request) => void calls.push(['check', request]),
  };
  return { plugin, calls };
}

async function run(
  env: Record<string, string | undefined>,
  stdin: string,
  plugin = recorder().plugin,
) {
  let stdout = '';
  const outcome = await dispatch(
    {
      getenv: (name) => env[name],
      readStdin: async () => Buffer.from(stdin),
      writeStdout: (text) => (stdout += text),
    },
    plugin,
  );
  return { ...outcome, stdout, json: stdout ? JSON.parse(stdout) : undefined };
}

const conf = (cniVersion: unknown = '1.0.0') =>
  JSON.stringify({ cniVersion, name: 'n', type: 'urunc-tap' });

describe('dispatch', () => {
  it('calls ADD with the validated env and prints its result', async () => {
    const { plugin, calls } = recorder();
    const out = await run(ENV, conf(), plugin);
    expect(out.exitCode).toBe(0);
    expect(out.json).toEqual({ cniVersion: '1.0.0' });
    expect(calls[0]![1].env).toMatchObject({
      command: 'ADD',
      containerId: 'ctr1',
      ifname: 'eth0',
      path: ['/opt/cni/bin'],
    });
  });

  it('prints nothing for a successful DEL and CHECK', async () => {
    for (const command of ['DEL', 'CHECK']) {
      const out = await run({ ...ENV, CNI_COMMAND: command }, conf());
      expect(out).toMatchObject({ exitCode: 0, stdout: '' });
    }
  });

  it('answers VERSION in the version asked, or the newest', async () => {
    const asked = await run({ CNI_COMMAND: 'VERSION' }, '{"cniVersion":"0.4.0"}');
    expect(asked.json).toEqual({
      cniVersion: '0.4.0',
      supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'],
    });
    expect((await run({ CNI_COMMAND: 'VERSION' }, '')).json.cniVersion).toBe('1.1.0');
    expect((await run({ CNI_COMMAND: 'VERSION' }, '{"cniVersion":"9.9.9"}')).json.cniVersion).toBe(
      '1.1.0',
    );
  });

  it.each([
    [{ CNI_COMMAND: undefined }, 'CNI_COMMAND is not set'],
    [{ CNI_COMMAND: 'FROB' }, 'CNI_COMMAND is "FROB"'],
    [{ CNI_CONTAINERID: '' }, 'CNI_CONTAINERID is not set'],
    [{ CNI_CONTAINERID: '-bad' }, 'CNI_CONTAINERID must start with a letter or digit'],
    [{ CNI_IFNAME: 'eth 0' }, 'CNI_IFNAME "eth 0" must be printable ASCII'],
    [
      { CNI_IFNAME: 'a-very-long-interface' },
      'CNI_IFNAME "a-very-long-interface" is longer than 15',
    ],
    [{ CNI_NETNS: '' }, 'CNI_NETNS is not set'],
    [{ CNI_NETNS: 'relative/path' }, 'CNI_NETNS "relative/path" is not an absolute path'],
    [{ CNI_PATH: undefined }, 'CNI_PATH is not set'],
    [{ CNI_ARGS: 'novalue' }, 'CNI_ARGS "novalue" is not KEY=VALUE'],
  ])('refuses env %o with code 4: %s', async (override, message) => {
    const out = await run({ ...ENV, ...override }, conf());
    expect(out.exitCode).toBe(1);
    expect(out.json.code).toBe(4);
    expect(out.json.msg).toContain(message);
  });

  it('accepts an empty CNI_NETNS on DEL (the namespace is gone)', async () => {
    const { plugin, calls } = recorder();
    const out = await run({ ...ENV, CNI_COMMAND: 'DEL', CNI_NETNS: '' }, conf(), plugin);
    expect(out.exitCode).toBe(0);
    expect(calls[0]![1].env.netns).toBe('');
  });

  it.each([
    ['', 6, 'stdin is empty'],
    ['{"cniVersion": "1.0.0"', 6, 'cannot decode'],
    ['[]', 6, 'not an array'],
    ['null', 6, 'not null'],
    ['42', 6, 'not number'],
    [JSON.stringify({ name: 'n', type: 't' }), 7, '"cniVersion" is missing'],
    [conf(1), 7, '"cniVersion" must be a string'],
    [conf('2.0.0'), 1, 'cniVersion "2.0.0" is not supported'],
  ])('refuses stdin %j with code %i', async (stdin, code, message) => {
    const { plugin, calls } = recorder();
    const out = await run(ENV, stdin, plugin);
    expect(out.exitCode).toBe(1);
    expect(out.json).toMatchObject({ code });
    expect(out.json.msg).toContain(message);
    expect(calls).toEqual([]);
  });

  it('refuses CHECK below 0.4.0 with code 1, in the config version', async () => {
    const out = await run({ ...ENV, CNI_COMMAND: 'CHECK' }, conf('0.3.1'));
    expect(out.json).toMatchObject({ cniVersion: '0.3.1', code: 1 });
  });

  it('reports a plugin CniError with its code and details, in the config version', async () => {
    const { plugin } = recorder({
      add: async () => {
        throw new CniError(101, 'pod interface eth0 not found', 'more');
      },
    });
    const out = await run(ENV, conf('0.4.0'), plugin);
    expect(out.json).toEqual({
      cniVersion: '0.4.0',
      code: 101,
      msg: 'pod interface eth0 not found',
      details: 'more',
    });
  });

  it('turns an unexpected exception into code 999', async () => {
    const { plugin } = recorder({
      add: async () => {
        throw new TypeError('boom');
      },
    });
    const out = await run(ENV, conf(), plugin);
    expect(out.json).toMatchObject({ code: 999, msg: 'internal error: boom' });
  });
});
