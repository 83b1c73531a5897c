// The protocol layer with injected I/O: env, stdin, versions, output and errors, the lenient
// DEL, and the plugin loader (VERSION loads nothing).
import { describe, expect, it } from 'vitest';
import type { PluginSource } from '../../src/cni/dispatch.js';
import { CniError } from '../../src/cni/errors.js';
import type { CniPlugin, VerbRequest } from '../../src/cni/plugin-api.js';
import { runDispatch } from './dispatch-run.js';

const ENV = {
  CNI_COMMAND: 'ADD',
  CNI_CONTAINERID: 'ctr1',
  CNI_NETNS: '/run/netns/pod',
  CNI_IFNAME: 'eth0',
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

const run = (
  env: Record<string, string | undefined>,
  stdin: string,
  source: PluginSource = recorder().plugin,
) => runDispatch(env, stdin, source);

const conf = (cniVersion: unknown = '1.0.0', extra: Record<string, unknown> = {}) =>
  JSON.stringify({ cniVersion, name: 'n', type: 'urunc-tap', ...extra });

describe('dispatch', () => {
  it('calls ADD with the validated env, version and raw config, and prints its result', async () => {
    const { plugin, calls } = recorder();
    const out = await run(ENV, conf(), plugin);
    expect(out).toMatchObject({ exitCode: 0, command: 'ADD', warnings: [] });
    expect(out.json).toEqual({ cniVersion: '1.0.0' });
    expect(calls).toEqual([
      [
        'add',
        {
          env: {
            command: 'ADD',
            containerId: 'ctr1',
            netns: '/run/netns/pod',
            ifname: 'eth0',
            args: new Map(),
          },
          version: '1.0.0',
          config: { cniVersion: '1.0.0', name: 'n', type: 'urunc-tap' },
        },
      ],
    ]);
    expect(out.env).toEqual(calls[0]![1].env);
  });

  it('needs no CNI_PATH (nothing is delegated)', async () => {
    const out = await run({ ...ENV, CNI_PATH: undefined }, conf());
    expect(out.exitCode).toBe(0);
  });

  it('prints nothing for a successful DEL and CHECK', async () => {
    for (const command of ['DEL', 'CHECK']) {
      const { plugin, calls } = recorder();
      const out = await run({ ...ENV, CNI_COMMAND: command }, conf(), plugin);
      expect(out).toMatchObject({ exitCode: 0, stdout: '' });
      expect(calls.map(([verb]) => verb)).toEqual([command.toLowerCase()]);
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
    [
      { CNI_COMMAND: 'FROB' },
      'CNI_COMMAND is "FROB"; expected one of ADD, DEL, CHECK, VERSION, STATUS, GC',
    ],
    [{ CNI_CONTAINERID: '' }, 'CNI_CONTAINERID is not set'],
    [{ CNI_CONTAINERID: '-bad' }, 'CNI_CONTAINERID must start with a letter or digit'],
    [
      { CNI_IFNAME: 'eth 0' },
      'CNI_IFNAME "eth 0" must contain only letters, digits, "_", "." and "-"',
    ],
    [
      { CNI_IFNAME: 'a-very-long-interface' },
      'CNI_IFNAME "a-very-long-interface" is longer than 15 characters',
    ],
    [{ CNI_IFNAME: '-x' }, 'CNI_IFNAME "-x" must not start with "-"'],
    [{ CNI_NETNS: '' }, 'CNI_NETNS is not set'],
    [{ CNI_NETNS: 'relative/path' }, 'CNI_NETNS "relative/path" is not an absolute path'],
    [{ CNI_NETNS: '/run/netns/a\0b' }, 'CNI_NETNS contains a NUL byte'],
    [{ CNI_ARGS: 'novalue' }, 'CNI_ARGS "novalue" is not KEY=VALUE'],
    [{ CNI_ARGS: '=value' }, 'CNI_ARGS "=value" is not KEY=VALUE'],
  ])('refuses ADD env %o with code 4: %s', async (override, message) => {
    const { plugin, calls } = recorder();
    const out = await run({ ...ENV, ...override }, conf(), plugin);
    expect(out.exitCode).toBe(1);
    expect(out.json.code).toBe(4);
    expect(out.json.msg).toContain(message);
    expect(calls).toEqual([]);
  });

  it('bounds what ADD echoes back: a container ID over 4096 characters is refused', async () => {
    const out = await run({ ...ENV, CNI_CONTAINERID: 'c'.repeat(4097) }, conf());
    expect(out.json).toMatchObject({
      code: 4,
      msg: 'CNI_CONTAINERID is longer than 4096 characters',
    });
  });

  it.each([
    ['', 6, 'stdin is empty'],
    ['{"cniVersion": "1.0.0"', 6, 'cannot decode'],
    ['[]', 6, 'not an array'],
    ['null', 6, 'not null'],
    ['42', 6, 'not number'],
    [`${'['.repeat(65)}${']'.repeat(65)}`, 6, 'nests deeper than 64 levels'],
    [JSON.stringify({ name: 'n', type: 't' }), 7, 'config key "cniVersion" is missing'],
    [conf(1), 7, 'config key "cniVersion" must be a string, got 1'],
    [conf('2.0.0'), 1, 'cniVersion "2.0.0" is not supported'],
  ])('refuses ADD stdin %j with code %i', async (stdin, code, message) => {
    const { plugin, calls } = recorder();
    const out = await run(ENV, stdin, plugin);
    expect(out.exitCode).toBe(1);
    expect(out.json).toMatchObject({ code });
    expect(out.json.msg).toContain(message);
    expect(calls).toEqual([]);
  });

  it('refuses CHECK below 0.4.0 with code 1, in the config version', async () => {
    const { plugin, calls } = recorder();
    const out = await run({ ...ENV, CNI_COMMAND: 'CHECK' }, conf('0.3.1'), plugin);
    expect(out.json).toMatchObject({
      cniVersion: '0.3.1',
      code: 1,
      msg: 'CHECK needs cniVersion 0.4.0 or newer; the config says 0.3.1',
    });
    expect(calls).toEqual([]);
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
    expect(out.error).toBeInstanceOf(CniError);
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

describe('DEL', () => {
  const DEL = { ...ENV, CNI_COMMAND: 'DEL' };

  it('accepts an empty CNI_NETNS (the namespace is gone)', async () => {
    const { plugin, calls } = recorder();
    const out = await run({ ...DEL, CNI_NETNS: '' }, conf(), plugin);
    expect(out.exitCode).toBe(0);
    expect(calls[0]![1].env.netns).toBe('');
  });

  const withVersion = (version: unknown) =>
    JSON.stringify({
      ...(version === undefined ? {} : { cniVersion: version }),
      name: 'n',
      type: 'urunc-tap',
    });

  it.each([
    [undefined, 'config key "cniVersion" is missing; deleting anyway'],
    [7, 'config key "cniVersion" must be a string, got 7; deleting anyway'],
    [
      '2.0.0',
      'cniVersion "2.0.0" is not supported; supported: 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0; deleting anyway',
    ],
  ])(
    'deletes with an unusable cniVersion %j, and says so in the warnings',
    async (version, warning) => {
      const { plugin, calls } = recorder();
      const out = await run(DEL, withVersion(version), plugin);
      expect(out).toMatchObject({ exitCode: 0, stdout: '', warnings: [warning] });
      expect(calls.map(([verb, request]) => [verb, request.version])).toEqual([['del', '1.1.0']]);
    },
  );

  it('passes a usable cniVersion on, with no warning', async () => {
    const { plugin, calls } = recorder();
    const out = await run(DEL, conf('0.3.1'), plugin);
    expect(out.warnings).toEqual([]);
    expect(calls[0]![1].version).toBe('0.3.1');
  });

  it('reports a failure in the newest version when the config names none it can use', async () => {
    const { plugin } = recorder();
    plugin.del = async () => {
      throw new CniError(7, 'config key "name" is missing');
    };
    const out = await run(DEL, JSON.stringify({ type: 'urunc-tap' }), plugin);
    expect(out.json).toEqual({ cniVersion: '1.1.0', code: 7, msg: 'config key "name" is missing' });
  });

  it('still needs a decodable config (the network name identifies the attachment)', async () => {
    const out = await run(DEL, '{oops');
    expect(out.json).toMatchObject({ code: 6 });
  });

  it('takes any container ID and interface it is given, and ignores malformed CNI_ARGS', async () => {
    const { plugin, calls } = recorder();
    const long = `-${'c'.repeat(5000)}`;
    const out = await run(
      { ...DEL, CNI_CONTAINERID: long, CNI_IFNAME: 'eth 0', CNI_ARGS: 'novalue;K=V;=x' },
      conf(),
      plugin,
    );
    expect(out.exitCode).toBe(0);
    expect(calls[0]![1].env).toEqual({
      command: 'DEL',
      containerId: long,
      ifname: 'eth 0',
      netns: '/run/netns/pod',
      args: new Map([['K', 'V']]),
    });
  });

  it.each(['CNI_CONTAINERID', 'CNI_IFNAME'])('refuses an empty %s (code 4)', async (name) => {
    const out = await run({ ...DEL, [name]: '' }, conf());
    expect(out.json).toMatchObject({ code: 4, msg: `${name} is not set` });
  });
});

describe('the plugin loader', () => {
  function loader(plugin = recorder().plugin) {
    let loads = 0;
    return {
      source: async () => (loads++, plugin),
      loads: () => loads,
    };
  }

  it('is not called for VERSION', async () => {
    const { source, loads } = loader();
    const out = await run({ CNI_COMMAND: 'VERSION' }, '', source);
    expect(out.exitCode).toBe(0);
    expect(loads()).toBe(0);
  });

  it('is not called when the config is refused', async () => {
    const { source, loads } = loader();
    const out = await run(ENV, conf('2.0.0'), source);
    expect(out.json).toMatchObject({ code: 1 });
    expect(loads()).toBe(0);
  });

  it('is called once for a verb, whose plugin then runs it', async () => {
    const { plugin, calls } = recorder();
    const { source, loads } = loader(plugin);
    const out = await run(ENV, conf(), source);
    expect(out.json).toEqual({ cniVersion: '1.0.0' });
    expect(loads()).toBe(1);
    expect(calls.map(([verb]) => verb)).toEqual(['add']);
  });

  it('makes a loader that fails an internal error (999)', async () => {
    const out = await run(ENV, conf(), async () => {
      throw new Error('Cannot find module plugin.js');
    });
    expect(out).toMatchObject({ exitCode: 1 });
    expect(out.json).toMatchObject({
      code: 999,
      msg: 'internal error: Cannot find module plugin.js',
    });
  });
});

describe('dispatch, when stdout refuses the answer', () => {
  const EPIPE = 'write(1): EPIPE (Broken pipe)';
  /** A dispatch whose every stdout write fails as a write to a pipe nobody reads. */
  const unread = (env: Record<string, string>, stdin: string, source: PluginSource) =>
    runDispatch(env, stdin, source, () => {
      throw Object.assign(new Error(EPIPE), { code: 'EPIPE' });
    });

  it('fails a done ADD with code 5 (I/O), and tries no error on the same stdout', async () => {
    const { plugin, calls } = recorder();
    const out = await unread(ENV, conf(), plugin);
    expect(calls.map(([verb]) => verb)).toEqual(['add']);
    expect(out.exitCode).toBe(1);
    expect(out.error).toMatchObject({
      code: 5,
      message: `could not write the answer to stdout: ${EPIPE}`,
    });
    expect(out.unanswered).toBeUndefined();
  });

  it('keeps the refusal of a bad config as the error, and says it was not answered', async () => {
    const out = await unread(ENV, '{', recorder().plugin);
    expect(out.exitCode).toBe(1);
    expect(out.error?.code).toBe(6);
    expect(out.unanswered).toMatchObject({
      code: 5,
      message: `could not write the answer to stdout: ${EPIPE}`,
    });
  });
});
