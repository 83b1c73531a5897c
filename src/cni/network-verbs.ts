// STATUS and GC (CNI spec 1.1): verbs about the network as a whole, with no attachment.
import { CniError, ErrorCode } from './errors.js';
import { readValidAttachments } from './gc-attachments.js';
import type { CniPlugin, NetworkRequest } from './plugin-api.js';
import { versionAtLeast, type CniVersion } from './versions.js';

/** The verbs that take a config but no container, namespace or interface. */
const NETWORK_COMMANDS = ['STATUS', 'GC'] as const;
export type NetworkCommand = (typeof NETWORK_COMMANDS)[number];

/** Whether `command` is STATUS or GC. */
export function isNetworkCommand(command: string): command is NetworkCommand {
  return (NETWORK_COMMANDS as readonly string[]).includes(command);
}

/**
 * Runs STATUS or GC. Only CNI_COMMAND (and CNI_PATH, unused) are parameters of these verbs:
 * the spec passes no container, so other CNI_* variables are ignored. Both exist from spec
 * 1.1.0 on: a config of an older version cannot ask for them (code 1, as CHECK below 0.4.0).
 */
export async function runNetworkVerb(
  command: NetworkCommand,
  version: CniVersion,
  config: Record<string, unknown>,
  plugin: CniPlugin,
): Promise<void> {
  if (!versionAtLeast(version, '1.1.0')) {
    throw new CniError(
      ErrorCode.IncompatibleVersion,
      `${command} needs cniVersion 1.1.0 or newer; the config says ${version}`,
    );
  }
  const request: NetworkRequest = { version, config };
  if (command === 'STATUS') {
    if (!plugin.status) throw unsupported(command);
    await plugin.status(request);
  } else {
    if (!plugin.gc) throw unsupported(command);
    await plugin.gc({ ...request, validAttachments: readValidAttachments(config) });
  }
}

function unsupported(command: string): CniError {
  return new CniError(ErrorCode.InvalidEnvironment, `CNI_COMMAND ${command} is not supported`);
}
