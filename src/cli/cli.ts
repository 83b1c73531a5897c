// The operator CLI (when no runtime calls): inspect, cleanup, doctor, install, version.
// Each command's handler is imported only when that command runs.
import yargs, { type Argv } from 'yargs';
import { SUPPORTED_VERSIONS } from '../cni/versions.js';
import type { Platform } from '../plugin/platform.js';
import { EXIT_CODES_HELP, ExitCode } from './exit-codes.js';
import { operatorMessage } from './operator-message.js';
import {
  DEFAULT_RESCAN_SECONDS,
  installUsageProblem,
  type InstallOptions,
} from './install-usage.js';
import { urunctapVersion } from './version.js';

const EPILOG = [
  'urunc-tap is a CNI plugin: a container runtime runs it with CNI_COMMAND set to ADD, DEL,',
  'CHECK, STATUS, GC or VERSION and the network configuration on stdin. Chain it after the',
  'plugin that creates the pod interface: "plugins": [{"type": "ptp", ...}, {"type": "urunc-tap"}].',
  `Supported CNI versions: ${SUPPORTED_VERSIONS.join(', ')}. Documentation: README.md.`,
  EXIT_CODES_HELP,
].join(' ');

/** The commands, for messages that name the one that ran. */
const COMMANDS = ['inspect', 'cleanup', 'doctor', 'install', 'version'];

/** A bad command line (exit code 2). */
class UsageError extends Error {}

const INSTALL_USAGE = [
  '$0 install [--cni-bin-dir DIR] [MODE]',
  '',
  'Copies the plugin executable to DIR/urunc-tap (temp file, fsync, rename; an identical file is left alone). Then, by MODE:',
  '',
  "For a RuntimeClass (the safe default; what the DaemonSet of deploy/kubernetes/ runs): --primary-conf-dir P --conf-dir C [--watch] writes C/00-urunc-tap.conflist: the conflist a runtime loads first from P (the node's network), with urunc-tap appended and the same network name. P is never written. C is the conf dir of the urunc runtime handler alone (containerd's cni_conf_dir), so runc pods never see urunc-tap. --watch keeps following P until SIGTERM.",
  '',
  'In place (one conflist for every pod): --conf-dir C --chain-into NAME --pod-annotation KEY appends urunc-tap to the conflist NAME of C (backup first), gated on the pod annotation KEY: "true". Without --pod-annotation it is refused (every pod would get a tap, and a runc pod is black-holed), unless --all-pods says every pod using C runs urunc.',
  '',
  'Without a MODE: only the executable.',
].join('\n');

/** --json of inspect, cleanup, doctor and install. */
const JSON_OPTION = {
  type: 'boolean',
  default: false,
  describe: 'Print JSON (stable fields)',
} as const;

/** --netns, --tap, --ifname and --json, shared by inspect and cleanup. */
function namespaceOptions(args: Argv, netnsRequired = true) {
  return args
    .option('netns', {
      type: 'string',
      demandOption: netnsRequired,
      describe:
        'The pod namespace: a path (/run/netns/NAME, /proc/PID/ns/net) or a name in /run/netns',
    })
    .option('tap', { type: 'string', describe: 'Only this tap (and the redirects to it)' })
    .option('ifname', { type: 'string', describe: 'Only this pod interface (and its taps)' })
    .option('json', JSON_OPTION);
}

/** Parses operator arguments and runs the chosen command; resolves to the exit code. */
export async function runCli(argv: string[], platform: Platform): Promise<number> {
  let exitCode: number = ExitCode.Ok;
  const named = argv.find((arg) => !arg.startsWith('-'));
  const command = named && COMMANDS.includes(named) ? named : 'urunc-tap';
  let version = 'unknown';
  try {
    version = urunctapVersion();
    await yargs(argv)
      .scriptName('urunc-tap')
      .usage(
        "$0 <command>\n\nWires a urunc VMM's tap device to the pod interface (CNI chained plugin).",
      )
      .command(
        'inspect',
        'Show the tap, qdiscs and filters of a pod namespace (--netns), or one line for every namespace of the node holding urunc-tap taps (--all), with a verdict: healthy, waiting-for-vmm, black-hole, shadowed, broken, orphaned-tap, foreign-filters or clean (exit 3 on a problem)',
        (args) =>
          namespaceOptions(args, false)
            .option('all', {
              type: 'boolean',
              default: false,
              describe: 'Every namespace of this node that holds a tap of urunc-tap',
            })
            .check((argv) =>
              argv.all === (argv.netns !== undefined) ? 'Give either --netns PATH or --all.' : true,
            ),
        async (args) => {
          exitCode = await (await import('./inspect-command.js')).runInspect(platform, args);
        },
      )
      .command(
        'cleanup',
        'Remove what urunc-tap made in a namespace a runtime left behind (DEL by hand, whatever the attachment); safe to run twice',
        (args) =>
          namespaceOptions(args).option('dry-run', {
            type: 'boolean',
            default: false,
            describe: 'Only print what would be removed',
          }),
        async (args) => {
          exitCode = await (
            await import('./cleanup-command.js')
          ).runCleanup(platform, {
            ...args,
            netns: args.netns!,
          });
        },
      )
      .command(
        'doctor',
        'Check that this host can serve ADD (the STATUS checks) and say what to install if not (exit 3 if not ready)',
        (args) => args.option('json', JSON_OPTION),
        async (args) => {
          exitCode = await (await import('./doctor-command.js')).runDoctor(platform, args);
        },
      )
      .command(
        'install',
        'Copy the plugin executable into a CNI bin dir (atomically), and put urunc-tap into a conflist: derived for the urunc handler (--primary-conf-dir, --watch) or in place (--chain-into)',
        (args) =>
          args
            .usage(INSTALL_USAGE)
            .example(
              '$0 install --cni-bin-dir /opt/cni/bin --primary-conf-dir /etc/cni/net.d --conf-dir /etc/cni/urunc.d --watch',
              "Install, and keep the urunc handler's conflist in step with the node's network",
            )
            .example(
              '$0 install --conf-dir /etc/cni/net.d --chain-into k8s-pod-network --pod-annotation example.com/urunc-tap',
              'Chain into the node-wide conflist, for pods annotated example.com/urunc-tap: "true" only',
            )
            .option('cni-bin-dir', {
              type: 'string',
              default: '/opt/cni/bin',
              describe:
                'Where runtimes look for plugins (created if only its last component is missing)',
            })
            .option('primary-conf-dir', {
              type: 'string',
              describe:
                "The node's CNI conf dir (e.g. /etc/cni/net.d): its first conflist, in libcni's order, is the one to derive from; never written",
            })
            .option('conf-dir', {
              type: 'string',
              describe:
                "With --primary-conf-dir: the urunc handler's conf dir to write 00-urunc-tap.conflist into (e.g. /etc/cni/urunc.d). With --chain-into: the dir of the conflist to edit",
            })
            .option('watch', {
              type: 'boolean',
              default: false,
              describe:
                'Keep running, one line per action on stderr, exit 0 on SIGTERM/SIGINT. With --primary-conf-dir: follow the primary conflist when it changes or another one comes first, remove the derived one when none is left. With --chain-into: chain again whenever an agent writes the conflist again without urunc-tap',
            })
            .option('rescan-interval', {
              type: 'number',
              default: DEFAULT_RESCAN_SECONDS,
              describe:
                'With --watch: seconds between re-scans, the fallback of the directory watch',
            })
            .option('chain-into', {
              type: 'string',
              describe:
                'Append urunc-tap to this conflist of --conf-dir (file name, or network name), in place, keeping a backup; needs --pod-annotation or --all-pods; with --watch, again whenever it is rewritten without urunc-tap',
            })
            .option('pod-annotation', {
              type: 'string',
              describe:
                'The urunc-tap entry gets "podAnnotation": KEY: it wires only pods whose annotation KEY is "true" (for a conflist every pod uses)',
            })
            .option('all-pods', {
              type: 'boolean',
              default: false,
              describe:
                'With --chain-into: wire every pod of that conflist (only if no runc pod uses it: a runc pod would be black-holed)',
            })
            .option('json', {
              ...JSON_OPTION,
              describe: `${JSON_OPTION.describe}; not with --watch`,
            })
            .check((args) => {
              const problem = installUsageProblem(args as unknown as InstallOptions);
              if (problem) throw new UsageError(problem);
              return true;
            }),
        async (args) => {
          exitCode = await (await import('./install-command.js')).runInstall(args);
        },
      )
      .command(
        'version',
        'Print the plugin version and the CNI versions it supports',
        () => {},
        () => console.log(`urunc-tap ${version}\nCNI versions: ${SUPPORTED_VERSIONS.join(', ')}`),
      )
      .demandCommand(1, 'Give a command, or set CNI_COMMAND to run as a CNI plugin.')
      .strict()
      .epilog(EPILOG)
      .version(version)
      .help()
      .wrap(Math.min(100, process.stdout.columns ?? 100))
      .fail((message, error) => {
        // Throwing stops yargs here; otherwise it would go on and run the command.
        // yargs's own errors (a failed .check, say) are usage errors too; a handler's are not.
        // (a failing .check comes back a second time with its message as the "error").
        if (error instanceof Error && !(error instanceof UsageError) && error.name !== 'YError') {
          throw error;
        }
        throw new UsageError(message || String(error));
      })
      .parseAsync();
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(
        `urunc-tap: ${error.message}\nRun urunc-tap ${command === 'urunc-tap' ? '' : `${command} `}--help for usage.`,
      );
      return ExitCode.Usage;
    }
    // One place turns every other failure into exit code 1 and one line on stderr: what failed
    // and what to do. A JavaScript stack only with URUNC_TAP_DEBUG=1.
    console.error(`urunc-tap: ${operatorMessage(error, command, version)}`);
    if (process.env.URUNC_TAP_DEBUG === '1' && error instanceof Error && error.stack) {
      console.error(error.stack);
    }
    return ExitCode.Failed;
  }
  return exitCode;
}
