// STATUS (CNI spec 1.1): ready to serve ADD, or error 50 naming what is missing and its fix.
import { CniError, ErrorCode } from '../cni/errors.js';
import type { NetworkRequest } from '../cni/plugin-api.js';
import { parseConfig } from './config.js';
import { readinessChecks } from './host-checks.js';
import type { Log, Platform } from './platform.js';

/**
 * containerd 2.x and CRI-O call STATUS every few seconds and mark the node's network NotReady
 * when it fails, so it checks only what ADD needs and can fail for, creates nothing, and costs
 * about what VERSION costs (see readinessChecks; the full kernel probe is `urunc-tap doctor`).
 */
export async function status(platform: Platform, log: Log, request: NetworkRequest): Promise<void> {
  const config = parseConfig(request.config);
  const checks = readinessChecks(platform.backend({ timeoutMs: config.timeoutMs }));
  for (const check of checks) {
    log(`${check.name}: ${check.state}: ${check.detail}`, { level: 'debug', check: check.name });
  }
  const failed = checks.filter((check) => check.state === 'failed');
  if (failed.length === 0) return;
  throw new CniError(
    ErrorCode.PluginNotAvailable,
    `urunc-tap cannot serve ADD on this host: ${failed.map((check) => `${check.name}: ${check.detail}`).join('; ')}`,
    failed
      .map((check) => `${check.name}: ${check.detail}${check.fix ? ` (fix: ${check.fix})` : ''}`)
      .join('\n'),
  );
}
