// fast-check generators of plugin configs and CNI env around the valid ones: each key is
// absent, valid, borderline or arbitrary JSON, so runs mix accepted and refused inputs.
import fc from 'fast-check';
import { SUPPORTED_VERSIONS } from '../../src/cni/versions.js';

/** Network names, in both generators. */
const NETWORK_NAMES = ['net1', 'urunc', 'a.b-c_d'] as const;

const validName = fc
  .stringMatching(/^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,14}$/)
  .filter((n) => n !== '.' && n !== '..');

/** A value for one key: usually plausible, sometimes anything at all. */
function around<T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: fc.jsonValue() });
}

/** A config object as a runtime might send it (or get wrong). */
export const configArbitrary = fc.record(
  {
    cniVersion: around(fc.constantFrom(...SUPPORTED_VERSIONS, '0.2.0', '2.0.0')),
    name: around(fc.constantFrom(...NETWORK_NAMES)),
    type: fc.constant('urunc-tap'),
    tapName: around(fc.oneof(validName, fc.string({ maxLength: 20 }))),
    owner: around(fc.integer({ min: -2, max: 2 ** 32 })),
    group: around(fc.integer({ min: -2, max: 2 ** 32 })),
    mtu: around(fc.integer({ min: 0, max: 70_000 })),
    multiQueue: around(fc.boolean()),
    vnetHdr: around(fc.boolean()),
    runtimeConfig: fc.jsonValue(),
  },
  { requiredKeys: ['type'] },
);

/**
 * A config the plugin accepts and can wire on a plain pod: every key absent or valid (an MTU a
 * tap takes: its maxmtu is 65521), so a property run exercises the wired path as well as the
 * refusals of configArbitrary, whose independent keys are almost never all valid at once.
 */
export const wireableConfigArbitrary = fc.record(
  {
    cniVersion: fc.constantFrom(...SUPPORTED_VERSIONS),
    name: fc.constantFrom(...NETWORK_NAMES),
    type: fc.constant('urunc-tap'),
    tapName: validName.filter((name) => name !== 'eth0' && name !== 'lo'),
    owner: fc.integer({ min: 0, max: 2 ** 32 - 2 }),
    group: fc.integer({ min: 0, max: 2 ** 32 - 2 }),
    mtu: fc.integer({ min: 68, max: 9000 }),
    multiQueue: fc.boolean(),
    vnetHdr: fc.boolean(),
  },
  { requiredKeys: ['cniVersion', 'name', 'type'] },
);

/** A container ID the spec accepts. */
export const validContainerIdArbitrary = fc.stringMatching(/^[a-z0-9][a-z0-9_.-]{0,30}$/);

/** CNI_IFNAME and CNI_CONTAINERID values, mostly plausible. */
export const ifnameArbitrary = fc.oneof(
  { weight: 4, arbitrary: fc.constant('eth0') },
  { weight: 1, arbitrary: fc.string({ maxLength: 18 }) },
);
export const containerIdArbitrary = fc.oneof(
  { weight: 4, arbitrary: validContainerIdArbitrary },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
);
