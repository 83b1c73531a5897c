// The verbs: observe -> plan -> apply, with rollback for ADD and re-planning for DEL.
import type { CniPlugin, VerbRequest } from '../cni/dispatch.js';
import { CniError, ErrorCode } from '../cni/errors.js';
import type { Runner } from '../net/exec.js';
import { netnsStatus } from '../net/netns.js';
import { tapMac, type Attachment } from './attachment.js';
import { applyOps, netError } from './apply.js';
import { parseConfig, type PluginConfig } from './config.js';
import { observe, type NamespaceState } from './observe.js';
import { describe, type Op } from './ops.js';
import { planAdd } from './plan-add.js';
import { checkProblems } from './plan-check.js';
import { planDel, planRollback } from './plan-del.js';
import { podInterfaceFromPrevResult } from './pod-interface.js';
import { addResult } from './result.js';

/** Where the verbs report what they did. */
export type Log = (message: string) => void;

/** The urunc-tap plugin over an iproute2 runner. */
export function createPlugin(run: Runner, log: Log): CniPlugin {
  const read = (attachment: Attachment): Promise<NamespaceState> =>
    observe(run, attachment).catch((error) => {
      throw netError(error, `reading ${attachment.netns}`);
    });

  const apply = async (attachment: Attachment, ops: Op[], prefix = ''): Promise<void> => {
    await applyOps(run, attachment.netns, ops);
    for (const op of ops) log(prefix + describe(op));
  };

  return {
    async add(request) {
      const { config, attachment } = prepare(request);
      requireNamespace(attachment.netns, 'ADD');
      podInterfaceFromPrevResult(config.prevResult, attachment.ifname);
      const state = await read(attachment);
      const ops = planAdd(state, attachment, config);
      try {
        await apply(attachment, ops);
      } catch (error) {
        // Never leave a half-wired pod: undo what this ADD created, judged on a fresh read.
        try {
          await apply(
            attachment,
            planRollback(ops, await read(attachment), attachment),
            'rollback: ',
          );
        } catch (rollbackError) {
          log(`rollback failed, the namespace may hold a partial wiring: ${String(rollbackError)}`);
        }
        throw netError(error, 'wiring the tap');
      }
      if (ops.length === 0) log('already wired, nothing to change');
      const mac = ops.some((op) => op.op === 'create-tap') ? tapMac(attachment) : state.tap!.mac;
      const mtu = config.mtu ?? state.podIf!.mtu;
      return addResult(config.prevResult, request.version, attachment, { mac, mtu });
    },

    async del(request) {
      const { attachment } = prepare(request);
      if (!attachment.netns) return log('CNI_NETNS is empty: the namespace is gone, nothing to do');
      const status = netnsStatus(attachment.netns);
      if (status === 'own') throw ownNamespace('DEL');
      if (status !== 'namespace') return log(`${attachment.netns} is gone, nothing to do`);
      // Something else may change the namespace between our read and our write (the VMM
      // exiting, another plugin's DEL): re-read and re-plan once rather than fail.
      for (let attempt = 1; ; attempt++) {
        const ops = planDel(await read(attachment), attachment);
        if (ops.length === 0) return log('nothing of ours left to remove');
        try {
          return await apply(attachment, ops);
        } catch (error) {
          if (attempt >= 2) throw netError(error, 'removing the tap wiring');
        }
      }
    },

    async check(request) {
      const { config, attachment } = prepare(request);
      requireNamespace(attachment.netns, 'CHECK');
      const problems = checkProblems(await read(attachment), attachment, config);
      if (problems.length > 0) {
        throw new CniError(
          ErrorCode.CheckFailed,
          `CHECK failed: ${problems.join('; ')}`,
          problems.join('\n'),
        );
      }
    },
  };
}

/** Config and attachment of a request, with the checks every verb needs. */
function prepare(request: VerbRequest): { config: PluginConfig; attachment: Attachment } {
  const config = parseConfig(request.config);
  const { env } = request;
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
