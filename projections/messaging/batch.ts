import type { ConsumedEvent } from '../../processors/runtime/processor.ts';
import type { EventOf } from '../../schemas/generated/events.ts';

/** The event types the messaging read model applies. */
export const MESSAGING_EVENT_TYPES = [
  'ThreadCreated',
  'ParticipantAdded',
  'ParticipantRemoved',
  'MessageSent',
  'MessageRead',
  'ThreadArchived',
  'ThreadUnarchived',
] as const;

export type MessagingEvent = EventOf<(typeof MESSAGING_EVENT_TYPES)[number]>;

/**
 * A thread's events all sit in one partition (they are keyed by thread id), so the Kafka offset
 * orders them: it is the read model's `seq`. Offsets travel as decimal strings (they may exceed
 * 2^53 in principle) and Postgres reads them as bigint.
 */
type Seq = string;

export interface ThreadRow {
  thread_id: string;
  organization_id: string;
  subject: string;
  created_by: string;
  scopes: readonly string[];
  created_seq: Seq;
  created_at: string;
}

/** A join or a leave; `creation` marks the joins a ThreadCreated makes (they count only for the thread's first one). */
export interface MembershipRow {
  thread_id: string;
  organization_id: string;
  participant_id: string;
  seq: Seq;
  joined: boolean;
  creation: boolean;
  changed_by: string;
  changed_at: string;
}

export interface MessageRow {
  thread_id: string;
  organization_id: string;
  seq: Seq;
  message_id: string;
  sender_id: string;
  body: string;
  reply_to_message_id: string | null;
  sent_at: string;
}

export interface ReadRow {
  thread_id: string;
  organization_id: string;
  reader_id: string;
  message_id: string;
  seq: Seq;
}

/** An archive (archived true) or unarchive; `participant_id` null archives the thread for every participant. */
export interface ArchiveRow {
  thread_id: string;
  organization_id: string;
  participant_id: string | null;
  seq: Seq;
  archived: boolean;
}

/** One partition's batch, sorted into what each statement writes. */
export interface MessagingBatch {
  readonly threads: ThreadRow[];
  readonly memberships: MembershipRow[];
  readonly messages: MessageRow[];
  readonly reads: ReadRow[];
  readonly archives: ArchiveRow[];
  /** Every thread the batch names: their participants' rows are recomputed. */
  readonly touched: string[];
  /** The batch's first offset: messages at or after it are the batch's own. */
  readonly firstSeq: Seq;
}

/**
 * Sorts a batch into rows, in offset order. Nothing here depends on what earlier batches wrote:
 * every rule that needs the tables (the thread exists, in this organization, and before this
 * event) is checked by the statements against offsets, so a replay that cuts the topic into other
 * batches writes the same rows.
 */
export function sortBatch(events: readonly ConsumedEvent<MessagingEvent>[]): MessagingBatch {
  const threads = new Map<string, ThreadRow>();
  const memberships = new Map<string, MembershipRow>();
  const messages = new Map<string, MessageRow>();
  const reads: ReadRow[] = [];
  const archives: ArchiveRow[] = [];
  const touched = new Set<string>();
  let firstSeq: bigint | undefined;
  const member = (row: MembershipRow) => {
    const key = `${row.thread_id}/${row.participant_id}/${row.seq}`;
    if (!memberships.has(key)) memberships.set(key, row);
  };

  for (const { event, offset } of events) {
    const seq = offset;
    if (firstSeq === undefined || BigInt(offset) < firstSeq) firstSeq = BigInt(offset);
    const { metadata } = event;
    const at = metadata.occurredAt.toISOString();
    const base = { thread_id: event.payload.threadId, organization_id: metadata.organizationId };
    touched.add(event.payload.threadId);
    switch (event.type) {
      case 'ThreadCreated': {
        const p = event.payload;
        if (!threads.has(p.threadId))
          threads.set(p.threadId, {
            ...base,
            subject: p.subject,
            created_by: p.createdBy,
            scopes: p.scopes,
            created_seq: seq,
            created_at: at,
          });
        for (const participant of new Set([p.createdBy, ...p.participants]))
          member({
            ...base,
            participant_id: participant,
            seq,
            joined: true,
            creation: true,
            changed_by: p.createdBy,
            changed_at: at,
          });
        break;
      }
      case 'ParticipantAdded':
        member({
          ...base,
          participant_id: event.payload.participantId,
          seq,
          joined: true,
          creation: false,
          changed_by: event.payload.addedBy,
          changed_at: at,
        });
        break;
      case 'ParticipantRemoved':
        member({
          ...base,
          participant_id: event.payload.participantId,
          seq,
          joined: false,
          creation: false,
          changed_by: event.payload.removedBy,
          changed_at: at,
        });
        break;
      case 'MessageSent': {
        const p = event.payload;
        if (!messages.has(p.messageId))
          messages.set(p.messageId, {
            ...base,
            seq,
            message_id: p.messageId,
            sender_id: p.senderId,
            body: p.body,
            reply_to_message_id: p.replyToMessageId,
            sent_at: p.sentAt.toISOString(),
          });
        break;
      }
      case 'MessageRead':
        reads.push({ ...base, reader_id: event.payload.readerId, message_id: event.payload.messageId, seq });
        break;
      case 'ThreadArchived':
        archives.push({ ...base, participant_id: event.payload.participantId, seq, archived: true });
        break;
      case 'ThreadUnarchived':
        archives.push({ ...base, participant_id: event.payload.participantId, seq, archived: false });
        break;
    }
  }
  return {
    threads: [...threads.values()],
    memberships: [...memberships.values()],
    messages: [...messages.values()],
    reads,
    archives,
    touched: [...touched],
    firstSeq: String(firstSeq ?? 0n),
  };
}
