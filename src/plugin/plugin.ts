// The verbs: read -> plan -> apply under a per-attachment lock, with rollback for ADD.
import type { CniEnv } from '../cni/env.js';
import { CniError, ErrorCode, envError } from '../cni/errors.js';
import { logFileProblem } from '../cni/log-file.js';
import type { CniPlugin, VerbRequest } from '../cni/plugin-api.js';
import { convertResult, type CniResult } from '../cni/result.js';
import type { NetBackend } from '../net/backend.js';
import type { Change } from '../net/changes.js';
import { linkNamed } from '../net/model.js';
import { withAttachmentLock } from './attachment-lock.js';
import { configWithCniArgs } from './cni-args.js';
import { deleteIdentity, parseConfig, type PluginConfig } from './config.js';
import { apply, converge, netError, read, retryLogger } from './converge.js';
import { deleteAttachment, NETNS_STATUS } from './delete.js';
import { tapMac, type Attachment } from './marks.js';
import { planAdd, type AddPlan } from './plan-add.js';
import { checkProblems } from './plan-check.js';
import { planRollback } from './plan-del.js';
import type { Log, Platform } from './platform.js';
import { selectPod } from './pod-selection.js';
import { addResult } from './result.js';

/** The urunc-tap plugin on `platform`. STATUS and GC are loaded only when called. */
export function createPlugin(platform: Platform, log: Log): CniPlugin {
  return {
    add: (request) => add(platform, log, request),
    del: (request) => del(platform, log, request),
    check: (request) => check(platform, log, request),
    async status(request) {
      await (await import('./status.js')).status(platform, log, request);
    },
    async gc(request) {
      await (await import('./gc.js')).collectGarbage(platform, log, request);
    },
  };
}

async function add(platform: Platform, log: Log, request: VerbRequest): Promise<CniResult> {
  const { config, attachment } = prepare(request);
  const selection = selectPod(config.podAnnotation, request.config);
  if (!selection.selected) {
    if (selection.warning) log(selection.warning, { level: 'warn' });
    log(`left alone: ${selection.reason} (config podAnnotation)`);
    // The previous result, unchanged, in the config's version.
    return convertResult(config.prevResult ?? {}, request.version);
  }
  requireNamespace(platform, attachment.netns, 'ADD');
  return withAttachmentLock(attachment, platform.bindLock, async () => {
    const backend = platform.backend({ timeoutMs: config.timeoutMs });
    let plan: AddPlan = { changes: [], repairs: [], warnings: [] };
    const outcome = await converge({
      read: () => read(backend, attachment.netns),
      plan: (snapshot) => (plan = planAdd(snapshot, attachment, config)).changes,
      apply: (changes) => apply(backend, attachment.netns, changes, log),
      onRetry: retryLogger(log),
    });
    if (!outcome.ok) {
      // Never leave a half-wired pod.
      await rollback(backend, attachment, outcome.attempted, log);
      throw netError(outcome.error, 'wiring the tap');
    }
    for (const repair of plan.repairs) log(repair);
    for (const warning of plan.warnings) log(warning, { level: 'warn' });
    const { state, changes } = outcome;
    if (changes.length === 0) log('already wired, nothing to change');
    const podIf = linkNamed(state, attachment.ifname)!;
    const created = changes.some((change) => change.op === 'create-tap');
    const mac = created ? tapMac(attachment) : linkNamed(state, attachment.tapName)!.mac;
    const mtu = config.mtu ?? podIf.mtu;
    const podMac = config.tcRedirectTapResult ? podIf.mac : undefined;
    return addResult(config.prevResult, request.version, attachment, { mac, mtu }, podMac);
  });
}

/**
 * DEL needs only the attachment's identity (network name, container ID, interface) and the
 * namespace when it can be used (see deleteAttachment). Everything else in the call may be
 * wrong, stale or missing: it is logged and ignored.
 */
async function del(platform: Platform, log: Log, request: VerbRequest): Promise<void> {
  const { network, timeoutMs } = deleteIdentity(request.config);
  const logFile = request.config.logFile;
  const logProblem = typeof logFile === 'string' ? logFileProblem(logFile) : undefined;
  if (logProblem) log(`logFile ${logFile} ignored: ${logProblem}`, { level: 'warn' });
  const { containerId, ifname, netns } = request.env;
  await deleteAttachment(platform, log, { network, containerId, ifname }, netns, timeoutMs);
}

async function check(platform: Platform, log: Log, request: VerbRequest): Promise<void> {
  const { config, attachment } = prepare(request);
  if (!selectPod(config.podAnnotation, request.config).selected) {
    log('nothing to check: the pod is not selected (config podAnnotation)');
    return;
  }
  requireNamespace(platform, attachment.netns, 'CHECK');
  const problems = await withAttachmentLock(attachment, platform.bindLock, async () => {
    const backend = platform.backend({ timeoutMs: config.timeoutMs });
    return checkProblems(await read(backend, attachment.netns), attachment, config);
  });
  if (problems.length > 0) {
    // The problems are the message; libcni prints "msg; details", so no details repeat them.
    throw new CniError(ErrorCode.CheckFailed, `CHECK failed: ${problems.join('; ')}`);
  }
}

/** Config and attachment of an ADD or CHECK, with the checks both need. */
function prepare(request: VerbRequest): { config: PluginConfig; attachment: Attachment } {
  const { env } = request;
  // tc-redirect-tap's CNI_ARGS override the config.
  const config = parseConfig(configWithCniArgs(request.config, env.args));
  return { config, attachment: attachmentOf(env, config) };
}

/** The attachment a verb handles. */
function attachmentOf(env: CniEnv, config: PluginConfig): Attachment {
  if (config.tapName === env.ifname) {
    throw new CniError(
      ErrorCode.InvalidNetworkConfig,
      `config key "tapName" is "${config.tapName}", the same as CNI_IFNAME; the tap needs a name of its own`,
    );
  }
  return {
    network: config.network,
    containerId: env.containerId,
    ifname: env.ifname,
    netns: env.netns,
    tapName: config.tapName,
  };
}

/** Undoes what a failed ADD created, judged on a fresh read; a failure here is logged. */
async function rollback(
  backend: NetBackend,
  attachment: Attachment,
  attempted: Change[],
  log: Log,
): Promise<void> {
  if (attempted.length === 0) return;
  try {
    const snapshot = await backend.read(attachment.netns);
    const changes = planRollback(attempted, snapshot, attachment);
    await apply(backend, attachment.netns, changes, log, 'rollback: ');
  } catch (error) {
    log(`rollback failed, the namespace may hold a partial wiring: ${String(error)}`, {
      level: 'error',
    });
  }
}

/** ADD and CHECK work in CNI_NETNS, which must be a namespace other than the plugin's own. */
function requireNamespace(platform: Platform, netns: string, verb: string): void {
  const status = platform.netnsStatus(netns);
  if (status === 'namespace') return;
  if (status === 'own') {
    throw envError('CNI_NETNS', `is the plugin's own network namespace; refusing to ${verb} there`);
  }
  throw envError('CNI_NETNS', `${netns} ${NETNS_STATUS[status]}`);
}
