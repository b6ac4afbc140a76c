import { defineProjection } from '../projection.ts';
import { MESSAGING_EVENT_TYPES, sortBatch } from './batch.ts';
import { statementsFor } from './statements.ts';

/**
 * Threads, who takes part in them and when, their messages in order, and each participant's
 * last read, unread count, last visible message and archive (seed 002's thread list and inbox).
 *
 * `seq` is the event's Kafka offset: a thread's events are keyed by its id, so they share one
 * partition and the offset orders them. Membership is a log of joins and leaves by seq, so what a
 * participant may see is decided by offsets alone: the messages sent while they took part.
 */
export const messaging = defineProjection({
  name: 'messaging',
  handles: MESSAGING_EVENT_TYPES,
  tables: ['threads', 'membership_changes', 'messages', 'participants'],
  migrations: [
    {
      version: 1,
      name: 'threads, memberships, messages, participants',
      sql: `create table threads (
        thread_id uuid primary key,
        organization_id text not null,
        subject text not null,
        created_by text not null,
        scopes text[] not null default '{}',
        created_seq bigint not null,
        created_at timestamptz not null);
      create table membership_changes (
        thread_id uuid not null,
        participant_id text not null,
        seq bigint not null,
        joined boolean not null,
        changed_by text not null,
        changed_at timestamptz not null,
        primary key (thread_id, participant_id, seq));
      create table messages (
        thread_id uuid not null,
        seq bigint not null,
        message_id uuid not null,
        organization_id text not null,
        sender_id text not null,
        body text not null,
        reply_to_message_id uuid,
        sent_at timestamptz not null,
        primary key (thread_id, seq),
        unique (thread_id, message_id));
      create table participants (
        thread_id uuid not null,
        participant_id text not null,
        organization_id text not null,
        first_joined_seq bigint not null,
        joined_seq bigint not null,
        joined_at timestamptz not null,
        left_seq bigint,
        left_at timestamptz,
        last_read_seq bigint,
        last_read_message_id uuid,
        unread_count bigint not null,
        last_message_seq bigint,
        activity_at timestamptz not null,
        archived boolean not null,
        primary key (thread_id, participant_id));
      create index participants_inbox on participants (organization_id, participant_id, activity_at desc, thread_id desc);`,
    },
  ],
  project(events) {
    return statementsFor(sortBatch(events));
  },
});
