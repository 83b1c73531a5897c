// Recognising what urunc-tap made, whatever the attachment: the marks ADD leaves behind.
import type { Link, TcFilter } from '../net/model.js';
import { parseRedirectCookie } from './attachment.js';
import { isUruncTapAlias } from './tap-owner.js';

/** Whether a filter is urunc-tap's: one of its actions carries our cookie marker. */
export function isUruncTapFilter(filter: TcFilter): boolean {
  return filter.actions.some((action) => parseRedirectCookie(action.cookie) !== undefined);
}

/** Whether a link is a tap urunc-tap made: a tap carrying our alias. */
export function isUruncTap(link: Link): boolean {
  return link.tun?.type === 'tap' && isUruncTapAlias(link.alias);
}

/** Where a filter redirects to: its mirred target ("*" once that device was deleted). */
export function redirectTarget(filter: TcFilter): string | undefined {
  return filter.actions.find((action) => action.kind === 'mirred')?.toDev;
}
