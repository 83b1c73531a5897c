// What a tier that cannot run becomes: skipped locally, a failure under CI=true (a skipped tier
// is no evidence). No probe of its own: importing it changes nothing on the machine.

/**
 * Why `tier` cannot run here (`reason`, from its probe), or undefined when it can. Under
 * CI=true that throws instead: a skipped tier is no evidence.
 */
export function tierVerdict(tier: string, reason: string | undefined): string | undefined {
  if (reason && process.env.CI === 'true') {
    throw new Error(`the ${tier} tier cannot run under CI=true: ${reason}`);
  }
  return reason;
}
