// The CNI error helpers: which code each failure gets, and what its message names.
import { describe, expect, it } from 'vitest';
import { CniError, configError, envError, ErrorCode, toCniError } from '../../src/cni/errors.js';

describe('envError', () => {
  it('is code 4, naming the variable in the message and the details', () => {
    const error = envError('CNI_NETNS', 'is not set');
    expect(error).toBeInstanceOf(CniError);
    expect(error).toMatchObject({
      code: ErrorCode.InvalidEnvironment,
      message: 'CNI_NETNS is not set',
      details: 'variable: CNI_NETNS',
    });
  });

  it('names CNI_ARGS as the variable for one of its keys', () => {
    expect(envError('CNI_ARGS TC_REDIRECT_TAP_UID', 'has invalid value "x"')).toMatchObject({
      code: 4,
      message: 'CNI_ARGS TC_REDIRECT_TAP_UID has invalid value "x"',
      details: 'variable: CNI_ARGS',
    });
  });
});

describe('configError', () => {
  it('is code 7, naming the key', () => {
    expect(configError('prevResult.ips[0].interface', 'is 2')).toMatchObject({
      code: ErrorCode.InvalidNetworkConfig,
      message: 'config key "prevResult.ips[0].interface" is 2',
      details: '',
    });
  });
});

describe('toCniError', () => {
  it('passes a CniError through and makes anything else Internal (999) with its stack', () => {
    const known = new CniError(11, 'try again');
    expect(toCniError(known)).toBe(known);
    const bug = new TypeError('x is undefined');
    const internal = toCniError(bug);
    expect(internal).toMatchObject({ code: 999, message: 'internal error: x is undefined' });
    expect(internal.details).toBe(bug.stack);
    expect(internal.cause).toBe(bug);
    expect(toCniError('a string')).toMatchObject({
      code: 999,
      message: 'internal error: a string',
      details: '',
    });
  });

  it('uses the spec codes', () => {
    expect(ErrorCode).toMatchObject({
      IncompatibleVersion: 1,
      InvalidEnvironment: 4,
      DecodingFailure: 6,
      InvalidNetworkConfig: 7,
      TryAgainLater: 11,
      PluginNotAvailable: 50,
      Internal: 999,
    });
  });
});
