import { randomUUID } from 'node:crypto';
import type { MessagingSettings } from '../../infra/config/shape.ts';
import type { Message, Participation, ThreadView } from '../../projections/messaging/queries.ts';
import type { EventMetadata, TributaryEvent } from '../../schemas/generated/events.ts';
import type { Position, Publisher } from '../publisher.ts';
import { messagingError } from './errors.ts';

/** Who is acting, from the verified token; never from the request body. */
export interface Requester {
  readonly organizationId: string;
  readonly subject: string;
  readonly scopes: ReadonlySet<string>;
  readonly correlationId: string;
}

/** The rules of seed 002 that configuration sets. */
export type MessagingRules = Pick<MessagingSettings, 'createThreadScopes' | 'replyScopes' | 'maxBodyBytes'>;

/** What a command wrote: where, for `?after=`. */
export interface Recorded {
  readonly positions: readonly Position[];
}

/** Where the events of one command go, and how their metadata is stamped. */
export interface CommandContext {
  readonly publisher: Publisher;
  readonly environment: string;
  readonly requester: Requester;
  readonly now?: Date;
}

/** Refuses an empty message, or one over the configured size, before anything else is looked at. */
export function checkBody(body: string, maxBytes: number): void {
  if (body.trim().length === 0) throw messagingError.emptyMessage();
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > maxBytes) throw messagingError.messageTooLarge(bytes, maxBytes);
}

/** Seed 002: when scopes are configured for an action, the caller must hold one of them. */
function requireOneOf(requester: Requester, scopes: readonly string[], action: string): void {
  if (scopes.length > 0 && !scopes.some((scope) => requester.scopes.has(scope)))
    throw messagingError.missingScope(action, scopes);
}

/** The caller's part in a thread they may read: 404 when the thread is not the organization's, 403 when they never took part. */
export function readerOf(view: ThreadView | undefined, threadId: string): Participation {
  if (!view) throw messagingError.threadNotFound(threadId);
  if (!view.me) throw messagingError.notParticipant(threadId, false);
  return view.me;
}

/** The caller's part in a thread they may act in: as readerOf, and 403 too when they no longer take part. */
export function memberOf(view: ThreadView | undefined, threadId: string): Participation {
  const me = readerOf(view, threadId);
  if (!me.active) throw messagingError.notParticipant(threadId, true);
  return me;
}

function metadataOf(context: CommandContext): EventMetadata {
  return {
    eventId: randomUUID(),
    occurredAt: context.now ?? new Date(),
    organizationId: context.requester.organizationId,
    environment: context.environment,
    correlationId: context.requester.correlationId,
    causationId: null,
    actor: context.requester.subject,
  };
}

async function record(context: CommandContext, events: readonly TributaryEvent[]): Promise<Recorded> {
  return { positions: events.length > 0 ? await context.publisher.publishBatch(events) : [] };
}

/**
 * CreateThread: the creator always takes part; a first message may come with it, in the same batch,
 * and needs one of the thread's own scopes (when it has any), as every later post does.
 */
export async function createThread(
  context: CommandContext,
  rules: MessagingRules,
  command: { subject: string; participants: readonly string[]; scopes?: readonly string[]; body?: string },
): Promise<Recorded & { threadId: string; messageId?: string }> {
  const { requester } = context;
  requireOneOf(requester, rules.createThreadScopes, 'creating a thread');
  const scopes = [...new Set(command.scopes ?? [])];
  if (command.body !== undefined) {
    checkBody(command.body, rules.maxBodyBytes);
    // The first message is posted in the thread: its own scopes hold for it as for any after it.
    requireOneOf(requester, scopes, 'posting in a thread with these scopes');
  }
  const threadId = randomUUID();
  const participants = [...new Set([requester.subject, ...command.participants])];
  const metadata = metadataOf(context);
  const events: TributaryEvent[] = [
    {
      type: 'ThreadCreated',
      metadata,
      payload: {
        threadId,
        subject: command.subject,
        createdBy: requester.subject,
        participants,
        scopes,
      },
    },
  ];
  const messageId = command.body === undefined ? undefined : randomUUID();
  if (messageId !== undefined)
    events.push({
      type: 'MessageSent',
      metadata: { ...metadataOf(context), occurredAt: metadata.occurredAt },
      payload: {
        threadId,
        messageId,
        senderId: requester.subject,
        body: command.body!,
        replyToMessageId: null,
        sentAt: metadata.occurredAt,
        recipients: participants.filter((p) => p !== requester.subject),
      },
    });
  return { threadId, ...(messageId ? { messageId } : {}), ...(await record(context, events)) };
}

/** AddParticipants: any participant may add people; those already taking part are left as they are. */
export async function addParticipants(
  context: CommandContext,
  view: ThreadView | undefined,
  threadId: string,
  participantIds: readonly string[],
): Promise<Recorded & { added: string[] }> {
  memberOf(view, threadId);
  const present = new Set(view!.participants.filter((p) => p.active).map((p) => p.participantId));
  const added = [...new Set(participantIds)].filter((id) => !present.has(id));
  const events = added.map((participantId): TributaryEvent => ({
    type: 'ParticipantAdded',
    metadata: metadataOf(context),
    payload: { threadId, participantId, addedBy: context.requester.subject },
  }));
  return { added, ...(await record(context, events)) };
}

/** RemoveParticipant: a participant may leave; only the thread's creator may remove someone else. */
export async function removeParticipant(
  context: CommandContext,
  view: ThreadView | undefined,
  threadId: string,
  participantId: string,
): Promise<Recorded> {
  const me = memberOf(view, threadId);
  const target = view!.participants.find((p) => p.participantId === participantId && p.active);
  if (!target) throw messagingError.participantNotFound(participantId);
  if (participantId !== me.participantId && view!.thread.createdBy !== me.participantId)
    throw messagingError.removeNotAllowed(participantId);
  return record(context, [
    {
      type: 'ParticipantRemoved',
      metadata: metadataOf(context),
      payload: { threadId, participantId, removedBy: context.requester.subject },
    },
  ]);
}

/**
 * SendMessage (a reply to the thread, and to one of its messages when `replyTo` is given): the
 * sender must take part, hold one of the configured reply scopes and one of the thread's own
 * scopes (each when there are any); the message replied to must be one the sender can see. The
 * event names the other participants, whom push notifications go to.
 */
export async function sendMessage(
  context: CommandContext,
  rules: MessagingRules,
  view: ThreadView | undefined,
  threadId: string,
  command: { body: string; replyToMessageId?: string },
  findMessage: (messageId: string) => Promise<Message | undefined>,
): Promise<Recorded & { messageId: string }> {
  checkBody(command.body, rules.maxBodyBytes);
  const me = memberOf(view, threadId);
  requireOneOf(context.requester, rules.replyScopes, 'posting in a thread');
  requireOneOf(context.requester, view!.thread.scopes, `posting in thread ${threadId}`);
  if (command.replyToMessageId !== undefined && !(await findMessage(command.replyToMessageId)))
    throw messagingError.messageNotFound(command.replyToMessageId);
  const messageId = randomUUID();
  const metadata = metadataOf(context);
  const recorded = await record(context, [
    {
      type: 'MessageSent',
      metadata,
      payload: {
        threadId,
        messageId,
        senderId: me.participantId,
        body: command.body,
        replyToMessageId: command.replyToMessageId ?? null,
        sentAt: metadata.occurredAt,
        recipients: view!.participants
          .filter((p) => p.active && p.participantId !== me.participantId)
          .map((p) => p.participantId),
      },
    },
  ]);
  return { messageId, ...recorded };
}

/** MarkRead: the participant has read up to this message (one they can see), and everything before it. */
export async function markRead(
  context: CommandContext,
  view: ThreadView | undefined,
  threadId: string,
  message: Message | undefined,
  messageId: string,
): Promise<Recorded> {
  const me = memberOf(view, threadId);
  if (!message) throw messagingError.messageNotFound(messageId);
  const metadata = metadataOf(context);
  return record(context, [
    {
      type: 'MessageRead',
      metadata,
      payload: { threadId, messageId, readerId: me.participantId, readAt: metadata.occurredAt },
    },
  ]);
}

/** ArchiveThread / UnarchiveThread, for the caller only; a former participant may tidy their inbox too. */
export async function setArchived(
  context: CommandContext,
  view: ThreadView | undefined,
  threadId: string,
  archived: boolean,
  reason?: string,
): Promise<Recorded> {
  const me = readerOf(view, threadId);
  const participantId = me.participantId;
  return record(context, [
    archived
      ? {
          type: 'ThreadArchived',
          metadata: metadataOf(context),
          payload: { threadId, archivedBy: participantId, reason: reason ?? null, participantId },
        }
      : {
          type: 'ThreadUnarchived',
          metadata: metadataOf(context),
          payload: { threadId, participantId, unarchivedBy: participantId },
        },
  ]);
}
