// The tun/tap character device every tap is created and opened through.
import { statSync } from 'node:fs';

export const TUN_DEVICE = '/dev/net/tun';

/** Why `/dev/net/tun` is unusable, or undefined when it is a character device. */
export function tunDeviceProblem(path = TUN_DEVICE): string | undefined {
  try {
    if (!statSync(path).isCharacterDevice()) return `${path} is not a character device`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `${path} does not exist` : `${path}: ${code ?? String(error)}`;
  }
  return undefined;
}
