import type pg from 'pg';
import { qualified, type Projection } from '../projection.ts';
import { messaging } from './projection.ts';
import { visibleTo } from './statements.ts';

type Db = Pick<pg.Pool, 'query'>;

export interface Thread {
  readonly threadId: string;
  readonly organizationId: string;
  readonly subject: string;
  readonly createdBy: string;
  /** Scopes a caller needs one of to post in the thread; empty: no restriction. */
  readonly scopes: readonly string[];
  readonly createdAt: Date;
}

/** One participant's part in a thread: when they joined and left, what they read, what waits for them. */
export interface Participation {
  readonly participantId: string;
  readonly joinedAt: Date;
  readonly leftAt: Date | null;
  /** Whether they take part now (they joined and have not left since). */
  readonly active: boolean;
  readonly lastReadMessageId: string | null;
  readonly unreadCount: number;
  readonly archived: boolean;
  readonly activityAt: Date;
}

export interface Message {
  readonly messageId: string;
  readonly threadId: string;
  readonly senderId: string;
  readonly body: string;
  readonly replyToMessageId: string | null;
  readonly sentAt: Date;
  /** The message's place in its thread (its Kafka offset): what paging cursors are made of. */
  readonly seq: bigint;
}

/** A thread as one caller sees it: the thread, the caller's part (if they ever took part) and everyone's. */
export interface ThreadView {
  readonly thread: Thread;
  readonly me: Participation | undefined;
  readonly participants: readonly Participation[];
}

export interface InboxEntry {
  readonly thread: Thread;
  readonly me: Participation;
  readonly lastMessage: Message | null;
}

/** Where a page of the inbox ends: the last entry's activity (epoch ms) and thread id. */
export interface InboxCursor {
  readonly activityAt: number;
  readonly threadId: string;
}

interface ParticipantRow {
  thread_id: string;
  participant_id: string;
  joined_at: Date;
  left_at: Date | null;
  left_seq: string | null;
  last_read_message_id: string | null;
  unread_count: string;
  archived: boolean;
  activity_at: Date;
}

interface ThreadRow {
  thread_id: string;
  organization_id: string;
  subject: string;
  created_by: string;
  scopes: string[];
  created_at: Date;
}

/** The inbox's last message, its columns prefixed so they do not clash with the participant's. */
interface PrefixedMessage {
  m_message_id: string;
  m_sender_id: string;
  m_body: string;
  m_reply_to_message_id: string | null;
  m_sent_at: Date;
  m_seq: string;
}

interface MessageRow {
  thread_id: string;
  message_id: string;
  sender_id: string;
  body: string;
  reply_to_message_id: string | null;
  sent_at: Date;
  seq: string;
}

/** A thread of the organization with its participants; undefined when it does not exist or is another organization's. */
export async function threadView(
  db: Db,
  organizationId: string,
  threadId: string,
  caller: string,
  projection: Pick<Projection, 'name'> = messaging,
): Promise<ThreadView | undefined> {
  const { rows } = await db.query<ThreadRow>(
    `select * from ${qualified(projection, 'threads')} where thread_id = $1 and organization_id = $2`,
    [threadId, organizationId],
  );
  if (!rows[0]) return undefined;
  const participants = await db.query<ParticipantRow>(
    `select * from ${qualified(projection, 'participants')} where thread_id = $1 order by joined_at, participant_id`,
    [threadId],
  );
  const all = participants.rows.map(toParticipation);
  return { thread: toThread(rows[0]), me: all.find((p) => p.participantId === caller), participants: all };
}

/** The threads `caller` takes or took part in, newest activity first, after `cursor`; `next` when more follow. */
export async function inboxOf(
  db: Db,
  organizationId: string,
  caller: string,
  page: { readonly archived: boolean | undefined; readonly limit: number; readonly after?: InboxCursor },
  projection: Pick<Projection, 'name'> = messaging,
): Promise<{ items: InboxEntry[]; next?: InboxCursor }> {
  const params: unknown[] = [organizationId, caller];
  const where = ['p.organization_id = $1', 'p.participant_id = $2'];
  if (page.archived !== undefined) {
    params.push(page.archived);
    where.push(`p.archived = $${params.length}`);
  }
  if (page.after) {
    params.push(new Date(page.after.activityAt), page.after.threadId);
    where.push(`(p.activity_at, p.thread_id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(page.limit + 1);
  const { rows } = await db.query<ParticipantRow & Omit<ThreadRow, 'thread_id'> & Partial<PrefixedMessage>>(
    `select p.*, t.organization_id, t.subject, t.created_by, t.scopes, t.created_at,
       m.message_id as m_message_id, m.sender_id as m_sender_id, m.body as m_body,
       m.reply_to_message_id as m_reply_to_message_id, m.sent_at as m_sent_at, m.seq as m_seq
     from ${qualified(projection, 'participants')} p
     join ${qualified(projection, 'threads')} t on t.thread_id = p.thread_id
     left join ${qualified(projection, 'messages')} m on m.thread_id = p.thread_id and m.seq = p.last_message_seq
     where ${where.join(' and ')}
     order by p.activity_at desc, p.thread_id desc limit $${params.length}`,
    params,
  );
  const items = rows.slice(0, page.limit).map((row) => ({
    thread: toThread(row),
    me: toParticipation(row),
    lastMessage: row.m_message_id
      ? toMessage({
          thread_id: row.thread_id,
          message_id: row.m_message_id,
          sender_id: row.m_sender_id!,
          body: row.m_body!,
          reply_to_message_id: row.m_reply_to_message_id ?? null,
          sent_at: row.m_sent_at!,
          seq: row.m_seq!,
        })
      : null,
  }));
  const last = rows.length > page.limit ? items.at(-1) : undefined;
  return {
    items,
    ...(last ? { next: { activityAt: last.me.activityAt.getTime(), threadId: last.thread.threadId } } : {}),
  };
}

/**
 * A page of the messages `caller` can see in a thread, oldest first: the `limit` just before
 * `cursor` (older) or just after it (newer); without a cursor, the newest (older) or the oldest
 * (newer). `hasOlder` says whether visible messages come before the page.
 */
export async function messagesOf(
  db: Db,
  threadId: string,
  caller: string,
  page: { readonly direction: 'older' | 'newer'; readonly cursor?: bigint; readonly limit: number },
  projection: Pick<Projection, 'name'> = messaging,
): Promise<{ items: Message[]; hasOlder: boolean }> {
  const table = qualified(projection, 'messages');
  const visible = visibleTo('$2', 'm', qualified(projection, 'membership_changes'));
  const params: unknown[] = [threadId, caller];
  const bound =
    page.cursor === undefined
      ? 'true'
      : (params.push(page.cursor.toString()), `m.seq ${page.direction === 'older' ? '<' : '>'} $3::bigint`);
  params.push(page.limit);
  const { rows } = await db.query<MessageRow>(
    `select * from ${table} m where m.thread_id = $1 and ${bound} and ${visible}
     order by m.seq ${page.direction === 'older' ? 'desc' : 'asc'} limit $${params.length}`,
    params,
  );
  const items = rows.map(toMessage).sort((a, b) => (a.seq < b.seq ? -1 : 1));
  const first = items[0]?.seq ?? (page.direction === 'newer' ? page.cursor : undefined);
  const older =
    first === undefined
      ? { rows: [] }
      : await db.query(
          `select 1 from ${table} m where m.thread_id = $1 and m.seq < $3::bigint and ${visible} limit 1`,
          [threadId, caller, first.toString()],
        );
  return { items, hasOlder: older.rows.length > 0 };
}

/** One message, when `caller` can see it (it was sent while they took part). */
export async function messageOf(
  db: Db,
  threadId: string,
  messageId: string,
  caller: string,
  projection: Pick<Projection, 'name'> = messaging,
): Promise<Message | undefined> {
  const visible = visibleTo('$3', 'm', qualified(projection, 'membership_changes'));
  const { rows } = await db.query<MessageRow>(
    `select * from ${qualified(projection, 'messages')} m where m.thread_id = $1 and m.message_id = $2 and ${visible}`,
    [threadId, messageId, caller],
  );
  return rows[0] && toMessage(rows[0]);
}

function toThread(row: ThreadRow): Thread {
  return {
    threadId: row.thread_id,
    organizationId: row.organization_id,
    subject: row.subject,
    createdBy: row.created_by,
    scopes: row.scopes,
    createdAt: row.created_at,
  };
}

function toParticipation(row: ParticipantRow): Participation {
  return {
    participantId: row.participant_id,
    joinedAt: row.joined_at,
    leftAt: row.left_at,
    active: row.left_seq === null,
    lastReadMessageId: row.last_read_message_id,
    unreadCount: Number(row.unread_count),
    archived: row.archived,
    activityAt: row.activity_at,
  };
}

function toMessage(row: MessageRow): Message {
  return {
    messageId: row.message_id,
    threadId: row.thread_id,
    senderId: row.sender_id,
    body: row.body,
    replyToMessageId: row.reply_to_message_id,
    sentAt: row.sent_at,
    seq: BigInt(row.seq),
  };
}
