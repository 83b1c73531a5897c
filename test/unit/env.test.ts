// readEnv: strict for ADD and CHECK, lenient for DEL, which needs only what identifies the
// attachment (a DEL refused for its environment would leave the attachment behind for good).
import { describe, expect, it } from 'vitest';
import { printable, readCommand, readEnv, type AttachmentCommand } from '../../src/cni/env.js';

const ENV = {
  CNI_CONTAINERID: 'ctr1',
  CNI_NETNS: '/run/netns/pod',
  CNI_IFNAME: 'eth0',
};

const read = (command: AttachmentCommand, env: Record<string, string | undefined>) =>
  readEnv((name) => env[name], command);
const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error as { code: number; message: string; details: string };
  }
  throw new Error('not refused');
};

describe('readEnv for ADD and CHECK', () => {
  it('reads the attachment and CNI_ARGS as pairs, values kept whole', () => {
    for (const command of ['ADD', 'CHECK'] as const) {
      expect(read(command, { ...ENV, CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME=a=b;;' })).toEqual({
        command,
        containerId: 'ctr1',
        netns: '/run/netns/pod',
        ifname: 'eth0',
        args: new Map([
          ['IgnoreUnknown', '1'],
          ['K8S_POD_NAME', 'a=b'],
        ]),
      });
    }
  });

  it('refuses a malformed pair, naming it printably', () => {
    expect(refusal(() => read('ADD', { ...ENV, CNI_ARGS: 'K=V;bad\npair' }))).toMatchObject({
      code: 4,
      message: 'CNI_ARGS "bad\\npair" is not KEY=VALUE',
      details: 'variable: CNI_ARGS',
    });
  });

  it('refuses any value over 4096 characters, CNI_ARGS included', () => {
    expect(
      refusal(() => read('CHECK', { ...ENV, CNI_ARGS: `K=${'v'.repeat(4095)}` })).message,
    ).toBe('CNI_ARGS is longer than 4096 characters');
    expect(refusal(() => read('ADD', { ...ENV, CNI_NETNS: `/${'n'.repeat(4096)}` })).message).toBe(
      'CNI_NETNS is longer than 4096 characters',
    );
  });
});

describe('readEnv for DEL', () => {
  it('ignores malformed CNI_ARGS pairs, keeping the good ones', () => {
    expect(read('DEL', { ...ENV, CNI_ARGS: 'novalue;=x;A=1;;B=' }).args).toEqual(
      new Map([
        ['A', '1'],
        ['B', ''],
      ]),
    );
  });

  it('has no length cap: a runtime may hand it anything, and DEL must still run', () => {
    const long = 'c'.repeat(10_000);
    const env = read('DEL', {
      CNI_CONTAINERID: long,
      CNI_IFNAME: 'eth0',
      CNI_NETNS: `/${long}`,
      CNI_ARGS: `K=${long}`,
    });
    expect(env.containerId).toHaveLength(10_000);
    expect(env.netns).toHaveLength(10_001);
    expect(env.args.get('K')).toHaveLength(10_000);
  });

  it('takes a missing, relative or odd CNI_NETNS as it comes', () => {
    expect(read('DEL', { CNI_CONTAINERID: 'c', CNI_IFNAME: 'eth0' }).netns).toBe('');
    expect(read('DEL', { ...ENV, CNI_NETNS: 'relative' }).netns).toBe('relative');
    expect(read('DEL', { ...ENV, CNI_IFNAME: 'not valid!' }).ifname).toBe('not valid!');
  });

  it.each(['CNI_CONTAINERID', 'CNI_IFNAME'])('refuses an empty or missing %s (code 4)', (name) => {
    for (const value of ['', undefined]) {
      expect(refusal(() => read('DEL', { ...ENV, [name]: value }))).toMatchObject({
        code: 4,
        message: `${name} is not set`,
        details: `variable: ${name}`,
      });
    }
  });
});

describe('readCommand', () => {
  it('reads the six verbs and refuses anything else', () => {
    for (const command of ['ADD', 'DEL', 'CHECK', 'VERSION', 'STATUS', 'GC']) {
      expect(readCommand(() => command)).toBe(command);
    }
    expect(refusal(() => readCommand(() => 'add')).message).toBe(
      'CNI_COMMAND is "add"; expected one of ADD, DEL, CHECK, VERSION, STATUS, GC',
    );
    expect(refusal(() => readCommand(() => '')).message).toBe('CNI_COMMAND is not set');
  });
});

describe('printable', () => {
  it('escapes control characters and shortens to 80 characters', () => {
    expect(printable('a\tb\u0000"c"')).toBe('a\\tb\\u0000\\"c\\"');
    expect(printable('x'.repeat(100))).toBe(`${'x'.repeat(80)}...`);
  });
});
