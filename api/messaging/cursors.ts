import type { InboxCursor } from '../../projections/messaging/queries.ts';

/**
 * Cursors name a place, not a page: any value their pattern allows is a place (a message's
 * sequence number in its thread; an inbox entry's activity and thread id), so a cursor can never
 * be "invalid", only before or after everything. Clients treat them as opaque.
 */
export function encodeInboxCursor(cursor: InboxCursor): string {
  return `${cursor.activityAt}.${cursor.threadId}`;
}

export function decodeInboxCursor(token: string): InboxCursor {
  const dot = token.indexOf('.');
  return { activityAt: Number(token.slice(0, dot)), threadId: token.slice(dot + 1) };
}

export function encodeMessageCursor(seq: bigint): string {
  return seq.toString();
}

export function decodeMessageCursor(token: string): bigint {
  return BigInt(token);
}
