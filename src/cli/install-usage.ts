// The options of `urunc-tap install` and which combinations make sense (checked before it runs).

/** Options of `urunc-tap install`. */
export interface InstallOptions {
  cniBinDir: string;
  primaryConfDir?: string;
  confDir?: string;
  chainInto?: string;
  podAnnotation?: string;
  allPods?: boolean;
  watch?: boolean;
  /** Seconds between the --watch re-scans that back up the directory watch. */
  rescanInterval?: number;
  json?: boolean;
}

/** --rescan-interval's default, in seconds. */
export const DEFAULT_RESCAN_SECONDS = 10;

/** A Kubernetes annotation key: an optional DNS-subdomain prefix and "/", then a name. */
const ANNOTATION_KEY =
  /^(?:(?=.{1,253}\/)[a-z0-9]([-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(?=.{1,63}$)[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** What is wrong with this combination of install options (a usage error), if anything. */
export function installUsageProblem(options: InstallOptions): string | undefined {
  if (options.primaryConfDir !== undefined && options.chainInto !== undefined) {
    return '--primary-conf-dir (derive a conflist for the urunc handler) and --chain-into (edit a conflist in place) are two ways to install: pick one';
  }
  if (
    (options.primaryConfDir !== undefined || options.chainInto !== undefined) &&
    !options.confDir
  ) {
    return options.chainInto !== undefined
      ? '--chain-into needs --conf-dir: the directory of the conflist to edit'
      : "--primary-conf-dir needs --conf-dir: the urunc handler's conf dir to write into";
  }
  if (
    options.confDir !== undefined &&
    options.primaryConfDir === undefined &&
    options.chainInto === undefined
  ) {
    return '--conf-dir needs --primary-conf-dir (derive a conflist into it) or --chain-into (edit one of its conflists)';
  }
  if (options.watch && options.primaryConfDir === undefined && options.chainInto === undefined) {
    return '--watch keeps urunc-tap in a conflist: it needs --primary-conf-dir (or --chain-into) and --conf-dir';
  }
  if (options.watch && options.json) return '--json is for a one-shot install, not --watch';
  if (options.allPods && options.chainInto === undefined) {
    return "--all-pods only applies to --chain-into (a derived conflist is for the urunc handler's pods only)";
  }
  if (options.allPods && options.podAnnotation !== undefined) {
    return '--all-pods and --pod-annotation contradict each other: pick one';
  }
  if (
    options.podAnnotation !== undefined &&
    options.primaryConfDir === undefined &&
    options.chainInto === undefined
  ) {
    return '--pod-annotation needs --chain-into or --primary-conf-dir: it goes into a conflist';
  }
  if (options.podAnnotation !== undefined && !ANNOTATION_KEY.test(options.podAnnotation)) {
    return `--pod-annotation ${options.podAnnotation} is not a Kubernetes annotation key (e.g. example.com/urunc-tap)`;
  }
  const interval = options.rescanInterval;
  if (interval !== undefined && !(Number.isFinite(interval) && interval > 0)) {
    return '--rescan-interval takes a number of seconds greater than 0';
  }
  return undefined;
}
