// Property: whatever arrives on stdin and in the env, the protocol layer answers with exactly
// one well-formed JSON document and exit 0/1; it never throws and never reports a bug (999).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CniPlugin } from '../../src/cni/plugin-api.js';
import { deleteIdentity, parseConfig } from '../../src/plugin/config.js';
import {
  configArbitrary,
  containerIdArbitrary,
  ifnameArbitrary,
} from '../helpers/config-arbitrary.js';
import { runDispatch } from './dispatch-run.js';

/** Validates like the real plugin (DEL reads only the identity), touching no namespace. */
const validating: CniPlugin = {
  add: async (request) => (
    parseConfig(request.config),
    { cniVersion: request.version, interfaces: [] }
  ),
  del: async (request) => void deleteIdentity(request.config),
  check: async (request) => void parseConfig(request.config),
};

const run = (env: Record<string, string | undefined>, stdin: string) =>
  runDispatch(env, stdin, validating);

function wellFormed(exitCode: number, stdout: string, command: string): void {
  expect([0, 1]).toContain(exitCode);
  if (exitCode === 0 && command !== 'ADD' && command !== 'VERSION') return expect(stdout).toBe('');
  const json = JSON.parse(stdout);
  expect(typeof json.cniVersion).toBe('string');
  if (exitCode === 1) {
    expect(Number.isInteger(json.code)).toBe(true);
    expect(json.code).not.toBe(999);
    expect(typeof json.msg).toBe('string');
  }
}

describe('dispatch properties', () => {
  it('answers any config and env with one well-formed document', async () => {
    await fc.assert(
      fc.asyncProperty(
        configArbitrary,
        fc.constantFrom('ADD', 'DEL', 'CHECK', 'VERSION', 'BOGUS'),
        ifnameArbitrary,
        containerIdArbitrary,
        async (config, command, ifname, containerId) => {
          const env = {
            CNI_COMMAND: command,
            CNI_CONTAINERID: containerId,
            CNI_NETNS: '/run/netns/x',
            CNI_IFNAME: ifname,
            CNI_PATH: '/opt/cni/bin',
          };
          const { exitCode, stdout } = await run(env, JSON.stringify(config));
          wellFormed(exitCode, stdout, command);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('DEL succeeds whatever the config holds besides a valid network name', async () => {
    await fc.assert(
      fc.asyncProperty(
        configArbitrary,
        fc.constantFrom('net1', 'a.b-c_d'),
        fc.option(fc.string({ maxLength: 20 })),
        async (config, name, args) => {
          const env = {
            CNI_COMMAND: 'DEL',
            CNI_CONTAINERID: 'c',
            CNI_NETNS: '',
            CNI_IFNAME: 'eth0',
            ...(args === null ? {} : { CNI_ARGS: args }),
          };
          const { exitCode, stdout } = await run(env, JSON.stringify({ ...config, name }));
          expect({ exitCode, stdout }).toEqual({ exitCode: 0, stdout: '' });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('answers any bytes on stdin with one well-formed document', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.uint8Array().map((b) => Buffer.from(b).toString('latin1')),
        ),
        async (stdin) => {
          const env = {
            CNI_COMMAND: 'ADD',
            CNI_CONTAINERID: 'c',
            CNI_NETNS: '/run/netns/x',
            CNI_IFNAME: 'eth0',
            CNI_PATH: '/p',
          };
          const { exitCode, stdout } = await run(env, stdin);
          wellFormed(exitCode, stdout, 'ADD');
        },
      ),
      { numRuns: 2000 },
    );
  });
});
