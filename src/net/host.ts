// What the kernel and the process must offer before any namespace is touched, checked by
// reading a few files: no process, no change (STATUS runs it every few seconds).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { release } from 'node:os';
import type { Requirement } from './backend.js';

/** The tun/tap character device every tap is created and opened through. */
export const TUN_DEVICE = '/dev/net/tun';

/** Capabilities the verbs use (linux/capability.h): changing links and tc, entering namespaces. */
const CAPABILITIES: Array<[name: string, bit: number, why: string]> = [
  ['CAP_NET_ADMIN', 12, 'to create taps and change qdiscs and filters'],
  ['CAP_SYS_ADMIN', 21, 'to enter pod network namespaces (setns)'],
];

/** The kernel modules ADD needs, and the feature each gives. */
const MODULES: Array<[module: string, feature: string]> = [
  ['tun', 'tap devices'],
  ['sch_ingress', 'the ingress qdisc'],
  ['cls_u32', 'the u32 classifier'],
  ['act_mirred', 'the mirred action'],
];

/** The host requirements, in order: the tun device, the capabilities, the kernel modules. */
export function hostRequirements(): Requirement[] {
  return [tunDevice(), ...capabilities(), ...modules()];
}

function tunDevice(path = TUN_DEVICE): Requirement {
  const fix = 'modprobe tun (in a container: pass the host device /dev/net/tun in)';
  try {
    if (statSync(path).isCharacterDevice()) {
      return { name: path, ok: true, detail: 'character device' };
    }
    return { name: path, ok: false, detail: `${path} is not a character device`, fix };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const detail =
      code === 'ENOENT' ? `${path} does not exist` : `${path}: ${code ?? String(error)}`;
    return { name: path, ok: false, detail, fix };
  }
}

/** The effective capabilities of this process (CapEff of /proc/self/status). */
function capabilities(): Requirement[] {
  let effective: bigint;
  try {
    const line = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    effective = BigInt(`0x${line?.[1] ?? '0'}`);
  } catch {
    return [];
  }
  return CAPABILITIES.map(([name, bit, why]) =>
    (effective >> BigInt(bit)) & 1n
      ? { name, ok: true, detail: 'effective' }
      : {
          name,
          ok: false,
          detail: `missing: needed ${why}`,
          fix: 'run the plugin as root (a DaemonSet-installed plugin is run by the container runtime on the host)',
        },
  );
}

/**
 * Each module is there when loaded (/sys/module/NAME), built in (modules.builtin) or loadable
 * (modules.dep of the running kernel). A kernel without loadable modules (no /proc/modules),
 * or one whose module tree is not on this host, cannot be judged without trying: then nothing
 * is reported, and `urunc-tap doctor` tries the features for real.
 */
function modules(): Requirement[] {
  const tree = `/lib/modules/${release()}`;
  if (!existsSync('/proc/modules') || !existsSync(tree)) return [];
  const listed = (file: string) => {
    try {
      return readFileSync(`${tree}/${file}`, 'utf8');
    } catch {
      return '';
    }
  };
  const builtin = listed('modules.builtin');
  const loadable = listed('modules.dep');
  return MODULES.map(([module, feature]) => {
    const file = new RegExp(`/${module}\\.ko(\\.[a-z]+)?:?`, 'm');
    if (existsSync(`/sys/module/${module}`)) return { name: module, ok: true, detail: 'loaded' };
    if (file.test(builtin)) return { name: module, ok: true, detail: 'built in' };
    if (file.test(loadable)) return { name: module, ok: true, detail: 'loadable' };
    return {
      name: module,
      ok: false,
      detail: `no ${feature}: the running kernel has no module ${module}`,
      fix: `install the kernel's modules package, or use a kernel with ${module}`,
    };
  });
}
