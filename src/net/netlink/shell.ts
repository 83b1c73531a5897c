// The shell equivalent of each change (src/net/changes.ts) as text: the `operation` of its
// NetError, which an operator can replay with `ip -n NS ...` / `tc -n NS ...`.
import { shellEquivalent, type Change } from '../changes.js';

/** The commands `change` stands for, in order, as shell text (create-tap is two). */
export function shellCommands(change: Change): string[] {
  return shellEquivalent(change).map(render);
}

/** Joins words for a POSIX shell, single-quoting those that need it. */
export function render(words: string[]): string {
  return words
    .map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`))
    .join(' ');
}
