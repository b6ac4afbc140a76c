import type { Statement } from '../statement.ts';
import type { MessagingBatch } from './batch.ts';

/**
 * Whether the message `m` was sent while participant `who` took part: the last join or leave of
 * theirs before it is a join. A participant sees what was sent during their membership, so a
 * removed participant keeps what they could read and sees nothing after (a rejoin opens a new span).
 */
export function visibleTo(who: string, m = 'm', changes = 'membership_changes'): string {
  return `coalesce((select v.joined from ${changes} v
    where v.thread_id = ${m}.thread_id and v.participant_id = ${who} and v.seq < ${m}.seq
    order by v.seq desc limit 1), false)`;
}

/** The batch's statements, in the order they must run: threads, memberships, messages, then each participant's row. */
export function statementsFor(batch: MessagingBatch): Statement[] {
  const statements: Statement[] = [];
  if (batch.threads.length > 0)
    statements.push({
      sql: `insert into threads (thread_id, organization_id, subject, created_by, scopes, created_seq, created_at)
        select thread_id, organization_id, subject, created_by, scopes, created_seq, created_at
        from jsonb_to_recordset($1::jsonb) as r(thread_id uuid, organization_id text, subject text, created_by text,
          scopes text[], created_seq bigint, created_at timestamptz)
        on conflict (thread_id) do nothing`,
      params: [JSON.stringify(batch.threads)],
    });
  // A join or leave counts only in a thread of its own organization, after the thread was created;
  // the joins of a second ThreadCreated with the same id (ignored above) do not count either.
  if (batch.memberships.length > 0)
    statements.push({
      sql: `insert into membership_changes (thread_id, participant_id, seq, joined, changed_by, changed_at)
        select r.thread_id, r.participant_id, r.seq, r.joined, r.changed_by, r.changed_at
        from jsonb_to_recordset($1::jsonb) as r(thread_id uuid, organization_id text, participant_id text, seq bigint,
          joined boolean, creation boolean, changed_by text, changed_at timestamptz)
        join threads t on t.thread_id = r.thread_id and t.organization_id = r.organization_id
          and (case when r.creation then t.created_seq = r.seq else t.created_seq < r.seq end)
        on conflict do nothing`,
      params: [JSON.stringify(batch.memberships)],
    });
  if (batch.messages.length > 0)
    statements.push({
      sql: `insert into messages (thread_id, seq, message_id, organization_id, sender_id, body, reply_to_message_id, sent_at)
        select r.thread_id, r.seq, r.message_id, r.organization_id, r.sender_id, r.body, r.reply_to_message_id, r.sent_at
        from jsonb_to_recordset($1::jsonb) as r(thread_id uuid, organization_id text, seq bigint, message_id uuid,
          sender_id text, body text, reply_to_message_id uuid, sent_at timestamptz)
        join threads t on t.thread_id = r.thread_id and t.organization_id = r.organization_id and t.created_seq < r.seq
        on conflict do nothing`,
      params: [JSON.stringify(batch.messages)],
    });
  if (batch.touched.length > 0) statements.push(participantsStatement(batch));
  return statements;
}

/**
 * Recomputes the row of every participant (present or past) of the threads the batch touched,
 * from the tables the statements before it have just written: the span of their membership,
 * their last read (the furthest of what they had read, what they read now, and what they sent
 * now, counting only what they did after they first joined: before that they had no row to
 * change), the last message they can see, their unread count and whether they archived it.
 *
 * The unread count is recounted from the messages when the participant's reads or membership
 * changed in this batch (or the row is new); otherwise it is the previous count plus the batch's
 * own messages they can see from others. Both give what a recount over the whole thread gives,
 * however the topic is cut into batches, so a replay writes identical rows.
 */
function participantsStatement(batch: MessagingBatch): Statement {
  const visible = visibleTo('c.participant_id');
  const changesOf = (alias: string) =>
    `membership_changes c2 where c2.thread_id = ${alias}.thread_id and c2.participant_id = ${alias}.participant_id`;
  return {
    sql: `with touched as (select distinct unnest($1::uuid[]) as thread_id),
      pairs as (
        select c.thread_id, c.participant_id,
          min(c.seq) filter (where c.joined) as first_joined_seq,
          max(c.seq) filter (where c.joined) as last_join,
          bool_or(c.seq >= $2::bigint) as changed
        from membership_changes c join touched using (thread_id)
        group by c.thread_id, c.participant_id
        having bool_or(c.joined)),
      spans as (
        select p.*, t.organization_id,
          (select min(c2.seq) from ${changesOf('p')} and not c2.joined and c2.seq > p.last_join) as left_seq,
          (select max(c2.seq) from ${changesOf('p')} and not c2.joined and c2.seq < p.last_join) as previous_leave
        from pairs p join threads t using (thread_id)),
      reads as (
        select r.thread_id, r.reader_id as participant_id, r.seq, m.seq as read_up_to
        from jsonb_to_recordset($3::jsonb) as r(thread_id uuid, organization_id text, reader_id text, message_id uuid, seq bigint)
        join messages m on m.thread_id = r.thread_id and m.message_id = r.message_id and m.seq < r.seq
          and m.organization_id = r.organization_id),
      archives as (
        select * from jsonb_to_recordset($4::jsonb)
          as a(thread_id uuid, organization_id text, participant_id text, seq bigint, archived boolean)),
      advanced as (
        select s.*,
          (select max(r.read_up_to) from reads r where r.thread_id = s.thread_id and r.participant_id = s.participant_id
            and r.seq > s.first_joined_seq) as read_now,
          (select max(m.seq) from messages m where m.thread_id = s.thread_id and m.sender_id = s.participant_id
            and m.seq >= $2::bigint and m.seq > s.first_joined_seq) as sent_now
        from spans s),
      c as (
        select s.thread_id, s.participant_id, s.organization_id, s.first_joined_seq, s.left_seq,
          (select min(c2.seq) from ${changesOf('s')} and c2.joined and c2.seq > coalesce(s.previous_leave, -1)) as joined_seq,
          greatest(e.last_read_seq, s.read_now, s.sent_now) as last_read_seq,
          (e.thread_id is null or s.changed or s.read_now is not null or s.sent_now is not null) as recount,
          coalesce(e.unread_count, 0) as unread_before,
          coalesce((select a.archived from archives a
            where a.thread_id = s.thread_id and a.organization_id = s.organization_id and a.seq > s.first_joined_seq
              and (a.participant_id is null or a.participant_id = s.participant_id)
            order by a.seq desc limit 1), e.archived, false) as archived
        from advanced s
        left join participants e on e.thread_id = s.thread_id and e.participant_id = s.participant_id)
      insert into participants (thread_id, participant_id, organization_id, first_joined_seq, joined_seq, joined_at,
        left_seq, left_at, last_read_seq, last_read_message_id, unread_count, last_message_seq, activity_at, archived)
      select c.thread_id, c.participant_id, c.organization_id, c.first_joined_seq, c.joined_seq, j.changed_at,
        c.left_seq, l.changed_at, c.last_read_seq,
        (select m.message_id from messages m where m.thread_id = c.thread_id and m.seq = c.last_read_seq),
        case when c.recount
          then (select count(*) from messages m where m.thread_id = c.thread_id and m.seq > coalesce(c.last_read_seq, -1)
            and m.sender_id <> c.participant_id and ${visible})
          else c.unread_before + (select count(*) from messages m where m.thread_id = c.thread_id and m.seq >= $2::bigint
            and m.seq > coalesce(c.last_read_seq, -1) and m.sender_id <> c.participant_id and ${visible})
        end,
        lm.seq, greatest(j.changed_at, lm.sent_at), c.archived
      from c
      join membership_changes j on j.thread_id = c.thread_id and j.participant_id = c.participant_id and j.seq = c.joined_seq
      left join membership_changes l on l.thread_id = c.thread_id and l.participant_id = c.participant_id and l.seq = c.left_seq
      left join lateral (
        select m.seq, m.sent_at from messages m
        where m.thread_id = c.thread_id and m.seq < coalesce(c.left_seq, 9223372036854775807) and ${visible}
        order by m.seq desc limit 1) lm on true
      on conflict (thread_id, participant_id) do update set
        organization_id = excluded.organization_id, first_joined_seq = excluded.first_joined_seq,
        joined_seq = excluded.joined_seq, joined_at = excluded.joined_at, left_seq = excluded.left_seq,
        left_at = excluded.left_at, last_read_seq = excluded.last_read_seq,
        last_read_message_id = excluded.last_read_message_id, unread_count = excluded.unread_count,
        last_message_seq = excluded.last_message_seq, activity_at = excluded.activity_at, archived = excluded.archived`,
    params: [batch.touched, batch.firstSeq, JSON.stringify(batch.reads), JSON.stringify(batch.archives)],
  };
}
