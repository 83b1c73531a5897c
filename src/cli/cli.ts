// The operator CLI (when no CNI_COMMAND is set): help, version and a pointer to the protocol.
import { readFileSync } from 'node:fs';
import yargs from 'yargs';
import { SUPPORTED_VERSIONS } from '../cni/versions.js';

const EPILOG = [
  'urunc-tap is a CNI plugin: a container runtime runs it with CNI_COMMAND set to ADD, DEL,',
  'CHECK or VERSION and the network configuration on stdin. Chain it after the plugin that',
  'creates the pod interface: "plugins": [{"type": "ptp", ...}, {"type": "urunc-tap"}].',
  `Supported CNI versions: ${SUPPORTED_VERSIONS.join(', ')}. Documentation: README.md.`,
].join(' ');

/** Parses operator arguments and runs the chosen command; resolves to the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  let exitCode = 0;
  const version = packageVersion();
  await yargs(argv)
    .scriptName('urunc-tap')
    .usage(
      "$0 <command>\n\nWires a urunc VMM's tap device to the pod interface (CNI chained plugin).",
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
    .fail((message, error) => {
      if (error) throw error;
      console.error(`urunc-tap: ${message}\nRun urunc-tap --help for usage.`);
      exitCode = 2;
    })
    .parseAsync();
  return exitCode;
}

function packageVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}
