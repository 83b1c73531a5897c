// The verbs: observe -> plan -> apply under a per-attachment lock, with rollback for ADD.
import type { CniPlugin, VerbRequest } from '../cni/dispatch.js';
import { CniError, ErrorCode } from '../cni/errors.js';
import type { LogFields } from '../cni/log-file.js';
import type { Runner } from '../net/exec.js';
import { netnsStatus } from '../net/netns.js';
import { tapMac, type Attachment } from './attachment.js';
import { withAttachmentLock } from './attachment-lock.js';
import { applyOps, netError } from './apply.js';
import { configWithCniArgs } from './cni-args.js';
import { parseConfig, type PluginConfig } from './config.js';
import { converge } from './converge.js';
import { observe, type NamespaceState } from './observe.js';
import { observeForDel } from './observe-del.js';
import { opFields } from './op-fields.js';
import { describe, type Op } from './ops.js';
import { planAdd } from './plan-add.js';
import { checkProblems } from './plan-check.js';
import { planDel, planRollback } from './plan-del.js';
import { podInterfaceFromPrevResult } from './pod-interface.js';
import { addResult } from './result.js';
import { withVmInterface } from './vm-interface.js';

/** Where the verbs report what they did. */
export type Log = (message: string, fields?: LogFields) => void;

/** Makes the iproute2 runner for one verb, with the configured per-call timeout. */
export type RunnerFactory = (timeoutMs: number) => Runner;

/** The urunc-tap plugin over iproute2. */
export function createPlugin(makeRunner: RunnerFactory, log: Log): CniPlugin {
  /** Reading, applying and converging in one namespace with one runner. */
  const session = (attachment: Attachment, config: PluginConfig) => {
    const run = makeRunner(config.timeoutMs);
    const readWith = (look: typeof observe) => (): Promise<NamespaceState> =>
      look(run, attachment).catch((error) => {
        throw netError(error, `reading ${attachment.netns}`);
      });
    const read = readWith(observe);
    // DEL reads less: one tc batch in the usual case, so it spawns at most 3 processes.
    const readForDel = readWith(observeForDel);
    const apply = async (ops: Op[], prefix = ''): Promise<void> => {
      await applyOps(run, attachment.netns, ops);
      for (const op of ops) log(prefix + describe(op), opFields(op));
    };
    /** Undoes what a failed ADD created, judged on a fresh read; a failure here is logged. */
    const rollback = async (attempted: Op[]): Promise<void> => {
      if (attempted.length === 0) return;
      try {
        await apply(planRollback(attempted, await read(), attachment), 'rollback: ');
      } catch (error) {
        log(`rollback failed, the namespace may hold a partial wiring: ${String(error)}`);
      }
    };
    const onRetry = (attempt: number, error: unknown) =>
      log(`attempt ${attempt} met a changing namespace, re-reading: ${String(error)}`);
    return { read, readForDel, apply, onRetry, rollback };
  };

  return {
    async add(request) {
      const { config, attachment } = prepare(request);
      requireNamespace(attachment.netns, 'ADD');
      podInterfaceFromPrevResult(config.prevResult, attachment.ifname);
      return withAttachmentLock(attachment, async () => {
        const { read, apply, onRetry, rollback } = session(attachment, config);
        const outcome = await converge({
          read,
          apply,
          onRetry,
          plan: (state) => planAdd(state, attachment, config),
        });
        if (!outcome.ok) {
          // Never leave a half-wired pod.
          await rollback(outcome.attempted);
          throw netError(outcome.error, 'wiring the tap');
        }
        const { state, ops } = outcome;
        if (ops.length === 0) log('already wired, nothing to change');
        const mac = ops.some((op) => op.op === 'create-tap') ? tapMac(attachment) : state.tap!.mac;
        const mtu = config.mtu ?? state.podIf!.mtu;
        const result = addResult(config.prevResult, request.version, attachment, { mac, mtu });
        // Opt-in tc-redirect-tap result shape (schema-checked boolean; see vm-interface.ts).
        if (request.config.tcRedirectTapResult !== true) return result;
        return withVmInterface(result, request.version, attachment, state.podIf!.mac);
      });
    },

    async del(request) {
      const { config, attachment } = prepare(request);
      if (!attachment.netns) return log('CNI_NETNS is empty: the namespace is gone, nothing to do');
      const status = netnsStatus(attachment.netns);
      if (status === 'own') throw ownNamespace('DEL');
      if (status !== 'namespace') return log(`${attachment.netns} is gone, nothing to do`);
      await withAttachmentLock(attachment, async () => {
        const { readForDel, apply, onRetry } = session(attachment, config);
        const outcome = await converge({
          read: readForDel,
          apply,
          onRetry,
          plan: (state) => planDel(state, attachment),
        });
        if (!outcome.ok) throw netError(outcome.error, 'removing the tap wiring');
        if (outcome.ops.length === 0) log('nothing of ours left to remove');
      });
    },

    async check(request) {
      const { config, attachment } = prepare(request);
      requireNamespace(attachment.netns, 'CHECK');
      const problems = await withAttachmentLock(attachment, async () =>
        checkProblems(await session(attachment, config).read(), attachment, config),
      );
      if (problems.length > 0) {
        // The problems are the message; libcni prints "msg; details", so no details repeat them.
        throw new CniError(ErrorCode.CheckFailed, `CHECK failed: ${problems.join('; ')}`);
      }
    },

    // STATUS and GC are loaded on demand: ADD and DEL never pay for them.
    async status(request) {
      const { status } = await import('./status.js');
      await status(makeRunner(parseConfig(request.config).timeoutMs), log, request);
    },

    async gc(request) {
      const { collectGarbage, SCAN_TIMEOUT_MS } = await import('./gc.js');
      const run = makeRunner(Math.max(parseConfig(request.config).timeoutMs, SCAN_TIMEOUT_MS));
      // Each stale attachment goes through this plugin's own DEL, logging with its context.
      const del = (delRequest: VerbRequest, delLog: Log) =>
        createPlugin(makeRunner, delLog).del(delRequest);
      await collectGarbage({ run, log, del }, request);
    },
  };
}

/** Config and attachment of a request, with the checks every verb needs. */
function prepare(request: VerbRequest): { config: PluginConfig; attachment: Attachment } {
  const { env } = request;
  // tc-redirect-tap's CNI_ARGS override the config; DEL takes only what it can use.
  const config = parseConfig(configWithCniArgs(request.config, env.args, env.command === 'DEL'));
  if (config.tapName === env.ifname) {
    throw new CniError(
      ErrorCode.InvalidNetworkConfig,
      `config key "tapName" is "${config.tapName}", the same as CNI_IFNAME; the tap needs a name of its own`,
    );
  }
  const attachment: Attachment = {
    network: config.network,
    containerId: env.containerId,
    ifname: env.ifname,
    netns: env.netns,
    tapName: config.tapName,
  };
  return { config, attachment };
}

function requireNamespace(netns: string, verb: string): void {
  const status = netnsStatus(netns);
  if (status === 'own') throw ownNamespace(verb);
  if (status !== 'namespace') {
    const problem = status === 'missing' ? 'does not exist' : 'is not a network namespace';
    throw new CniError(
      ErrorCode.InvalidEnvironment,
      `CNI_NETNS ${netns} ${problem}`,
      'variable: CNI_NETNS',
    );
  }
}

function ownNamespace(verb: string): CniError {
  return new CniError(
    ErrorCode.InvalidEnvironment,
    `CNI_NETNS is the plugin's own network namespace; refusing to ${verb} there`,
    'variable: CNI_NETNS',
  );
}
