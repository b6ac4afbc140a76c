import { Type, type Static } from '@fastify/type-provider-typebox';
import { SUBJECT_MAX_LENGTH, SUBJECT_PATTERN } from '../auth/principal.ts';
import { NOT_BLANK } from '../nul-guard.ts';
import type { InboxEntry, Message, Participation, ThreadView } from '../../projections/messaging/queries.ts';

export const READ_MESSAGES_SCOPE = 'messages:read';
export const WRITE_MESSAGES_SCOPE = 'messages:write';

/** User ids as the auth service issues them (`sub`): letters, digits and the punctuation of e-mail addresses and service names. */
/** A participant is a token's subject: the same rule (principal.ts), so any caller can be named. */
export const ParticipantId = Type.String({ minLength: 1, maxLength: SUBJECT_MAX_LENGTH, pattern: SUBJECT_PATTERN });
const ScopeName = Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9:._-]+$' });
const Instant = Type.String({ format: 'date-time' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

/**
 * A message body: its emptiness and its size in UTF-8 bytes are checked before the schema, with
 * errors of their own (a size in characters, which is all JSON Schema can say, would refuse some
 * bodies under the limit and let others over it through).
 */
export function bodySchema(maxBodyBytes: number) {
  return Type.String({
    minLength: 1,
    pattern: NOT_BLANK,
    description: `The text; at most MESSAGING_MAX_BODY_BYTES (${maxBodyBytes} here) bytes in UTF-8. Empty or blank: 400 empty_message; too large: 413 message_too_large.`,
  });
}

export const ThreadParams = Type.Object({ threadId: Type.String({ format: 'uuid' }) });
export const MessageParams = Type.Object({
  threadId: Type.String({ format: 'uuid' }),
  messageId: Type.String({ format: 'uuid' }),
});
export const ParticipantParams = Type.Object({
  threadId: Type.String({ format: 'uuid' }),
  participantId: ParticipantId,
});

export const ReadAfter = {
  after: Type.Optional(
    Type.String({ description: 'A position a command returned: wait until the read model has applied it.' }),
  ),
  wait: Type.Optional(
    Type.Integer({ minimum: 0, description: 'Longest wait for `after`, in ms (capped by API_READ_WAIT_MS).' }),
  ),
};

export function createThreadBody(maxBodyBytes: number) {
  return Type.Object(
    {
      subject: Type.String({ minLength: 1, maxLength: 300, pattern: NOT_BLANK }),
      participants: Type.Array(ParticipantId, {
        maxItems: 100,
        description: 'Who takes part besides the creator, who always does.',
      }),
      scopes: Type.Optional(
        Type.Array(ScopeName, {
          maxItems: 20,
          description: 'Scopes a participant needs one of to post in this thread; empty or absent: no restriction.',
        }),
      ),
      body: Type.Optional(bodySchema(maxBodyBytes)),
    },
    { additionalProperties: false },
  );
}

export function sendMessageBody(maxBodyBytes: number) {
  return Type.Object(
    {
      body: bodySchema(maxBodyBytes),
      replyToMessageId: Type.Optional(
        Type.String({ format: 'uuid', description: 'The message this one replies to, in the same thread.' }),
      ),
    },
    { additionalProperties: false },
  );
}

export const AddParticipantsBody = Type.Object(
  { participants: Type.Array(ParticipantId, { minItems: 1, maxItems: 100 }) },
  { additionalProperties: false },
);

export const MarkReadBody = Type.Object(
  {
    messageId: Type.String({
      format: 'uuid',
      description: 'The last message read: it and every earlier one count as read.',
    }),
  },
  { additionalProperties: false },
);

export const ArchiveBody = Type.Object(
  { reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) },
  { additionalProperties: false },
);

const Position = Type.String({ description: 'Pass as ?after= to a read to see the change applied.' });

export const ThreadCreated = Type.Object({
  threadId: Type.String({ format: 'uuid' }),
  messageId: Type.Optional(Type.String({ format: 'uuid', description: 'The first message, when one was given.' })),
  position: Position,
});
export const MessageAccepted = Type.Object({ messageId: Type.String({ format: 'uuid' }), position: Position });
export const ParticipantsAdded = Type.Object({
  added: Type.Array(Type.String(), {
    description: 'Those who did not take part yet; the others are left as they are.',
  }),
  position: Position,
});
export const Accepted = Type.Object({ position: Position });

export const MessageJson = Type.Object({
  messageId: Type.String({ format: 'uuid' }),
  threadId: Type.String({ format: 'uuid' }),
  senderId: Type.String(),
  body: Type.String(),
  replyToMessageId: Nullable(Type.String({ format: 'uuid' })),
  sentAt: Instant,
});

export const ParticipantJson = Type.Object({
  participantId: Type.String(),
  active: Type.Boolean({ description: 'False once they left or were removed.' }),
  joinedAt: Instant,
  leftAt: Nullable(Instant),
  lastReadMessageId: Nullable(Type.String({ format: 'uuid', description: 'Their read receipt.' })),
});

const MyPart = Type.Object({
  active: Type.Boolean(),
  unreadCount: Type.Integer({ minimum: 0 }),
  lastReadMessageId: Nullable(Type.String({ format: 'uuid' })),
  archived: Type.Boolean(),
  joinedAt: Instant,
  leftAt: Nullable(Instant),
});

export const ThreadJson = Type.Object({
  threadId: Type.String({ format: 'uuid' }),
  subject: Type.String(),
  createdBy: Type.String(),
  createdAt: Instant,
  scopes: Type.Array(Type.String()),
  me: MyPart,
  participants: Type.Array(ParticipantJson),
});

export const InboxEntryJson = Type.Object({
  threadId: Type.String({ format: 'uuid' }),
  subject: Type.String(),
  createdBy: Type.String(),
  activityAt: Instant,
  unreadCount: Type.Integer({ minimum: 0 }),
  archived: Type.Boolean(),
  active: Type.Boolean(),
  lastMessage: Nullable(MessageJson),
});

export const InboxPage = Type.Object({
  items: Type.Array(InboxEntryJson),
  nextCursor: Type.Optional(Type.String({ description: 'Pass as ?cursor= for the next page; absent on the last.' })),
});

export const MessagePage = Type.Object({
  items: Type.Array(MessageJson, { description: 'Oldest first.' }),
  olderCursor: Type.Optional(
    Type.String({ description: 'Pass with direction=older for the page before; absent when nothing is older.' }),
  ),
  newerCursor: Type.Optional(
    Type.String({
      description:
        'Pass with direction=newer for what follows (also to poll for new messages); absent only when the thread shows you nothing yet.',
    }),
  ),
});

/** A message cursor: opaque (api/paging), a place in its thread; the same one pages older and newer. */
export const MessageCursor = Type.String({ maxLength: 1000, description: 'An olderCursor or newerCursor of a page.' });
/** An inbox cursor: opaque (api/paging), bound to the caller and the status filter. */
export const InboxCursor = Type.String({ maxLength: 1000, description: 'The nextCursor of the previous page.' });

const iso = (date: Date | null) => date?.toISOString() ?? null;

export function messageJson(m: Message): Static<typeof MessageJson> {
  return {
    messageId: m.messageId,
    threadId: m.threadId,
    senderId: m.senderId,
    body: m.body,
    replyToMessageId: m.replyToMessageId,
    sentAt: m.sentAt.toISOString(),
  };
}

function participantJson(p: Participation): Static<typeof ParticipantJson> {
  return {
    participantId: p.participantId,
    active: p.active,
    joinedAt: p.joinedAt.toISOString(),
    leftAt: iso(p.leftAt),
    lastReadMessageId: p.lastReadMessageId,
  };
}

export function threadJson(view: ThreadView, me: Participation): Static<typeof ThreadJson> {
  const { thread } = view;
  return {
    threadId: thread.threadId,
    subject: thread.subject,
    createdBy: thread.createdBy,
    createdAt: thread.createdAt.toISOString(),
    scopes: [...thread.scopes],
    me: {
      active: me.active,
      unreadCount: me.unreadCount,
      lastReadMessageId: me.lastReadMessageId,
      archived: me.archived,
      joinedAt: me.joinedAt.toISOString(),
      leftAt: iso(me.leftAt),
    },
    // Who takes part now, and what they have read, is not a former participant's to know.
    participants: (me.active ? view.participants : [me]).map(participantJson),
  };
}

export function inboxEntryJson(entry: InboxEntry): Static<typeof InboxEntryJson> {
  return {
    threadId: entry.thread.threadId,
    subject: entry.thread.subject,
    createdBy: entry.thread.createdBy,
    activityAt: entry.me.activityAt.toISOString(),
    unreadCount: entry.me.unreadCount,
    archived: entry.me.archived,
    active: entry.me.active,
    lastMessage: entry.lastMessage ? messageJson(entry.lastMessage) : null,
  };
}
