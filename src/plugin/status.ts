// STATUS (CNI spec 1.1): ready to serve ADD, or error 50 naming what is missing.
import { CniError, ErrorCode } from '../cni/errors.js';
import type { LogFields } from '../cni/log-file.js';
import type { NetworkRequest } from '../cni/network-verbs.js';
import type { Runner } from '../net/exec.js';
import { tunDeviceProblem } from '../net/tun-device.js';
import { parseConfig } from './config.js';
import { hostChecks, type HostCheck } from './host-checks.js';
import { cachedReady, rememberReady, statusCacheKey } from './status-cache.js';

/**
 * Checks that ADD can work here: the config parses, /dev/net/tun exists (checked every time:
 * it is one stat), then, unless a "ready" verdict younger than 30 s is on record for the same
 * PATH, the programs and the kernel features (see hostChecks). Resolves when ready; otherwise
 * throws code 50 with one line per failed check and what fixes it.
 */
export async function status(
  run: Runner,
  log: (message: string, fields?: LogFields) => void,
  request: NetworkRequest,
): Promise<void> {
  parseConfig(request.config);
  const key = statusCacheKey();
  // A verdict is only as good as the device it saw: without it, check everything again.
  const since = tunDeviceProblem() ? undefined : cachedReady(key);
  if (since) {
    log(`ready (verdict of ${since.toISOString()} reused)`, { level: 'debug', cached: true });
    return;
  }
  const checks = await hostChecks(run);
  for (const check of checks) {
    log(`${check.name}: ${check.state}: ${check.detail}`, { level: 'debug', check: check.name });
  }
  const failed = checks.filter((check) => check.state === 'failed');
  if (failed.length > 0) throw notReady(failed);
  rememberReady(key);
  log('ready: probed the tools and the kernel', { level: 'debug', cached: false });
}

function notReady(failed: HostCheck[]): CniError {
  return new CniError(
    ErrorCode.PluginNotAvailable,
    `urunc-tap cannot serve ADD on this host: ${failed.map((check) => `${check.name}: ${check.detail}`).join('; ')}`,
    failed
      .map((check) => `${check.name}: ${check.detail}${check.fix ? ` (fix: ${check.fix})` : ''}`)
      .join('\n'),
  );
}
