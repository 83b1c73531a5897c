// The operator CLI (when no runtime calls): inspect, cleanup, doctor, install, version.
// Each command's handler is imported only when that command runs.
import yargs, { type Argv } from 'yargs';
import { SUPPORTED_VERSIONS } from '../cni/versions.js';
import { packageVersion } from './bundle.js';
import type { Platform } from '../plugin/platform.js';
import { EXIT_CODES_HELP, ExitCode } from './exit-codes.js';

const EPILOG = [
  'urunc-tap is a CNI plugin: a container runtime runs it with CNI_COMMAND set to ADD, DEL,',
  'CHECK, STATUS, GC or VERSION and the network configuration on stdin. Chain it after the',
  'plugin that creates the pod interface: "plugins": [{"type": "ptp", ...}, {"type": "urunc-tap"}].',
  `Supported CNI versions: ${SUPPORTED_VERSIONS.join(', ')}. Documentation: README.md.`,
  EXIT_CODES_HELP,
].join(' ');

/** A bad command line (exit code 2). */
class UsageError extends Error {}

/** --netns, --tap and --ifname, shared by inspect and cleanup. */
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
    .option('json', { type: 'boolean', default: false, describe: 'Print JSON (stable fields)' });
}

/** Parses operator arguments and runs the chosen command; resolves to the exit code. */
export async function runCli(argv: string[], platform: Platform): Promise<number> {
  let exitCode: number = ExitCode.Ok;
  const version = packageVersion();
  try {
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
        (args) =>
          args.option('json', {
            type: 'boolean',
            default: false,
            describe: 'Print JSON (stable fields)',
          }),
        async (args) => {
          exitCode = await (await import('./doctor-command.js')).runDoctor(platform, args);
        },
      )
      .command(
        'install',
        'Copy the plugin, with what it needs to run, into a CNI bin dir (atomically); optionally chain it into a conflist',
        (args) =>
          args
            .option('cni-bin-dir', {
              type: 'string',
              default: '/opt/cni/bin',
              describe: 'Where runtimes look for plugins',
            })
            .option('conf-dir', {
              type: 'string',
              default: '/etc/cni/net.d',
              describe: 'Where the conflist of --chain-into is',
            })
            .option('chain-into', {
              type: 'string',
              describe:
                'Append {"type": "urunc-tap"} to this conflist (file name, or network name), keeping a backup; refused if it is already there',
            })
            .option('json', {
              type: 'boolean',
              default: false,
              describe: 'Print JSON (stable fields)',
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
      console.error(`urunc-tap: ${error.message}\nRun urunc-tap --help for usage.`);
      return ExitCode.Usage;
    }
    // One place turns failures into exit code 1: a problem to fix, or an iproute2 failure.
    const message = error instanceof Error ? error.message : String(error);
    console.error(`urunc-tap: ${message}`);
    // A programming error (not a problem of the host or the arguments) gets its stack.
    const bug =
      error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError;
    if (bug && error.stack) console.error(error.stack);
    return ExitCode.Failed;
  }
  return exitCode;
}
