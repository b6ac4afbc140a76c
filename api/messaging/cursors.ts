import type { Config } from '../../infra/config/index.ts';
import type { InboxCursor } from '../../projections/messaging/queries.ts';
import { CursorCodec } from '../paging/cursor.ts';

const INBOX = 'GET /v1/threads';
const MESSAGES = 'GET /v1/threads/{id}/messages';

/**
 * The messaging listings' cursors, in the shared codec (api/paging): opaque, and bound to the
 * caller's organization and to the inbox (its owner and status filter) or the thread they page in.
 * A message cursor is a place in its thread, so the same one pages older and newer.
 */
export function messagingCursors(config: Pick<Config, 'auth'>) {
  const codec = CursorCodec.fromConfig(config);
  const inboxScope = (organizationId: string, subject: string, status: string) => ({
    listing: INBOX,
    organizationId,
    parent: subject,
    filters: { status },
  });
  const threadScope = (organizationId: string, threadId: string) => ({
    listing: MESSAGES,
    organizationId,
    parent: threadId,
  });
  return {
    encodeInbox(organizationId: string, subject: string, status: string, cursor: InboxCursor): string {
      return codec.encode(inboxScope(organizationId, subject, status), [cursor.activityAt, cursor.threadId]);
    },
    decodeInbox(organizationId: string, subject: string, status: string, token: string): InboxCursor {
      const [activityAt, threadId] = codec.decode(inboxScope(organizationId, subject, status), token, [
        'number',
        'string',
      ]);
      return { activityAt, threadId };
    },
    encodeMessage(organizationId: string, threadId: string, seq: bigint): string {
      return codec.encode(threadScope(organizationId, threadId), [seq.toString()]);
    },
    decodeMessage(organizationId: string, threadId: string, token: string): bigint {
      const [seq] = codec.decode(threadScope(organizationId, threadId), token, ['string']);
      return BigInt(seq);
    },
  };
}
