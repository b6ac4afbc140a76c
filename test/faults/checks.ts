import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import type { S3Client } from '@aws-sdk/client-s3';
import type { EventCodec } from '../../schemas/codec.ts';
import { deadLetterTopic, TOPICS } from '../../infra/kafka/topics.ts';
import { HEADERS } from '../../producers/publisher.ts';
import { DLQ_HEADERS } from '../../processors/runtime/dead-letters.ts';
import type { ResumingClient } from './clients.ts';
import { POISON_HEADER, type Load } from './load.ts';
import { header, lakeEventIds, readTopic, tally } from './truth.ts';

export interface CheckResult {
  readonly check: string;
  readonly ok: boolean;
  /** Losses and duplicates found (0 when ok). */
  readonly lost: number;
  readonly duplicated: number;
  readonly detail: string;
}

export interface CheckInputs {
  readonly kafka: Kafka;
  readonly pool: pg.Pool;
  readonly s3: S3Client;
  readonly lakeBucket: string;
  readonly codec: EventCodec;
  readonly load: Load;
  readonly clients: readonly ResumingClient[];
}

function result(check: string, lost: number, duplicated: number, detail: string, extra = true): CheckResult {
  return { check, ok: lost === 0 && duplicated === 0 && extra, lost, duplicated, detail };
}

/**
 * The ledger against Kafka first (every acknowledged event on its topic once, every event in
 * doubt at most once), then every read model against what Kafka holds, so a loss is told apart
 * from a publish that never landed.
 */
export async function runChecks(inputs: CheckInputs): Promise<CheckResult[]> {
  const { kafka, pool, load } = inputs;
  const { ledger, organizationId } = load;
  const results: CheckResult[] = [];

  const onKafka = new Map<string, number>();
  const typeOf = new Map<string, string>();
  for (const topic of ['messages.events', 'logs.entries']) {
    for (const message of await readTopic(kafka, topic)) {
      const id = header(message, HEADERS.eventId);
      if (!id) continue;
      onKafka.set(id, (onKafka.get(id) ?? 0) + 1);
      typeOf.set(id, header(message, HEADERS.type) ?? '?');
    }
  }
  const ackedLost = [...ledger.acked.keys()].filter((id) => !onKafka.has(id));
  const twice = [...onKafka].filter(([, count]) => count > 1).map(([id]) => id);
  results.push(
    result(
      'kafka: acknowledged publishes',
      ackedLost.length,
      twice.length,
      `${ledger.acked.size} acknowledged, ${ledger.inDoubt.size} in doubt (${[...ledger.inDoubt.keys()].filter((id) => onKafka.has(id)).length} of them landed), ${onKafka.size} distinct on Kafka` +
        (ackedLost.length ? `; lost e.g. ${ackedLost.slice(0, 3).join(', ')}` : ''),
    ),
  );
  const landed = [...onKafka.keys()].filter((id) => ledger.acked.has(id) || ledger.inDoubt.has(id));
  const eventOf = (id: string) => ledger.acked.get(id) ?? ledger.inDoubt.get(id)!;

  // event_counts: one row per (organization, type) adding up every event applied.
  const expectedCounts = tally(landed.map((id) => typeOf.get(id)!));
  const { rows: countRows } = await pool.query<{ event_type: string; events: string }>(
    'select event_type, events from projection_event_counts.event_counts where organization_id = $1',
    [organizationId],
  );
  let countLost = 0;
  let countDoubled = 0;
  for (const [type, expected] of expectedCounts) {
    const actual = Number(countRows.find((row) => row.event_type === type)?.events ?? 0);
    if (actual < expected) countLost += expected - actual;
    if (actual > expected) countDoubled += actual - expected;
  }
  results.push(
    result(
      'read model: event_counts',
      countLost,
      countDoubled,
      [...expectedCounts].map(([type, n]) => `${type} ${n}`).join(', '),
    ),
  );

  // messaging: every message once, and u2's unread counts add up to every message once.
  const sent = landed.filter((id) => typeOf.get(id) === 'MessageSent');
  const { rows: messageRows } = await pool.query<{ message_id: string; n: string }>(
    'select message_id::text, count(*) as n from projection_messaging.messages where organization_id = $1 group by 1',
    [organizationId],
  );
  const inModel = new Map(messageRows.map((row) => [row.message_id, Number(row.n)]));
  const messageIds = sent.map((id) => (eventOf(id).payload as { messageId: string }).messageId);
  const messagesLost = messageIds.filter((id) => !inModel.has(id)).length;
  const messagesDoubled = [...inModel.values()].filter((n) => n > 1).length;
  const { rows: unread } = await pool.query<{ total: string }>(
    `select coalesce(sum(unread_count), 0) as total from projection_messaging.participants
      where organization_id = $1 and participant_id = 'u2'`,
    [organizationId],
  );
  const unreadTotal = Number(unread[0]!.total);
  results.push(
    result(
      'read model: messaging',
      messagesLost + Math.max(0, messageIds.length - unreadTotal),
      messagesDoubled + Math.max(0, unreadTotal - messageIds.length),
      `${messageIds.length} messages on Kafka, ${inModel.size} in the model, u2's unread ${unreadTotal}`,
    ),
  );

  // The lake: every log entry once, read from the Parquet objects in S3.
  const entries = landed.filter((id) => typeOf.get(id) === 'LogEntry');
  const inLake = tally(
    await lakeEventIds(inputs.s3, inputs.lakeBucket, `logs/environment=faults/organization=${organizationId}/`),
  );
  results.push(
    result(
      'lake: log entries',
      entries.filter((id) => !inLake.has(id)).length,
      [...inLake.values()].filter((n) => n > 1).length,
      `${entries.length} entries on Kafka, ${inLake.size} distinct in the lake`,
    ),
  );

  // The relay: a notification on realtime.notifications for every message (at least once: the
  // relay is at-least-once by design, and a redelivered event republishes the same id).
  const notified: string[] = [];
  /** Where each message's notification first sits (offset; one organization, one partition). */
  const notifiedAt = new Map<string, number>();
  for (const message of await readTopic(kafka, 'realtime.notifications')) {
    const event = await inputs.codec.decode(message.value).catch(() => undefined);
    if (event?.type !== 'NotificationIssued' || event.payload.topic !== 'message_sent') continue;
    const messageId = String((JSON.parse(event.payload.data) as { messageId?: string }).messageId);
    notified.push(messageId);
    if (!notifiedAt.has(messageId)) notifiedAt.set(messageId, Number(message.offset));
  }
  const notifications = tally(notified);
  results.push(
    result(
      'relay: notifications',
      messageIds.filter((id) => !notifications.has(id)).length,
      0,
      `${notifications.size} messages notified; ${[...notifications.values()].filter((n) => n > 1).length} notified more than once (the same id, at-least-once by design)`,
    ),
  );

  // Websocket clients: every message of their threads, once (by position and by notification id).
  for (const client of inputs.clients) {
    const threads = new Set(client.threadIds);
    const expected = messageIds.filter((_, i) =>
      threads.has((eventOf(sent[i]!).payload as { threadId: string }).threadId),
    );
    const got = tally(client.seen.map((seen) => seen.messageId));
    const positions = tally(client.seen.map((seen) => seen.position));
    const missing = expected.filter((id) => !got.has(id));
    const lost = missing.length;
    const resent = [...positions.values()].filter((n) => n > 1).length;
    const redelivered = [...got.values()].filter((n) => n > 1).length;
    results.push(
      result(
        `websocket: ${client.name}`,
        lost,
        resent + redelivered,
        `${expected.length} expected, ${got.size} received over ${client.reconnects} reconnects; ${resent} positions sent twice, ${redelivered} notifications delivered twice at new positions; ${client.refetches.length} refetch; sessions ended by ${[...client.endings].map(([how, n]) => `${how} ×${n}`).join(', ')}${lost > 0 ? `; ${whereLost(missing, notifiedAt, client)}` : ''}`,
        client.refetches.length === 0,
      ),
    );
  }

  // Dead letters: only the poison injected, and every poison record dead-lettered.
  const poisonSeen = new Set<string>();
  let strangers = 0;
  const strangerKinds = new Map<string, number>();
  for (const topic of TOPICS) {
    for (const message of await readTopic(kafka, deadLetterTopic(topic.name))) {
      const id = header(message, POISON_HEADER);
      if (id && ledger.poison.has(id)) poisonSeen.add(id);
      else {
        strangers += 1;
        const kind = `${topic.name} by ${header(message, DLQ_HEADERS.processor)} (${header(message, DLQ_HEADERS.reason)}: ${header(message, DLQ_HEADERS.error)?.slice(0, 80)})`;
        strangerKinds.set(kind, (strangerKinds.get(kind) ?? 0) + 1);
      }
    }
  }
  const poisonMissing = [...ledger.poison].filter((id) => !poisonSeen.has(id)).length;
  results.push({
    check: 'dead letters',
    ok: strangers === 0 && poisonMissing === 0,
    lost: poisonMissing,
    duplicated: 0,
    detail: `${ledger.poison.size} poison records injected, ${poisonSeen.size} dead-lettered, ${strangers} other records in the dead-letter topics${[...strangerKinds].map(([kind, n]) => `; ${n}× ${kind}`).join('')}`,
  });
  return results;
}

/**
 * Where a client's losses sit: the notification offsets it missed, as ranges, and the sessions
 * whose positions surround the first of them (when it resumed, from where, what it got, how it ended).
 */
function whereLost(
  missing: readonly string[],
  notifiedAt: ReadonlyMap<string, number>,
  client: ResumingClient,
): string {
  const offsets = missing.map((id) => notifiedAt.get(id) ?? -1).sort((a, b) => a - b);
  const ranges: string[] = [];
  for (let i = 0; i < offsets.length;) {
    let j = i;
    while (j + 1 < offsets.length && offsets[j + 1]! - offsets[j]! <= 3) j += 1;
    ranges.push(i === j ? `${offsets[i]}` : `${offsets[i]}..${offsets[j]} (${j - i + 1})`);
    i = j + 1;
  }
  const offsetOf = (position?: string) => (position ? Number(position.split('-')[1]) : undefined);
  const firstLost = offsets[0]!;
  const around = client.sessions.filter((s) => {
    const from = offsetOf(s.resumeFrom) ?? -1;
    const last = offsetOf(s.last) ?? Infinity;
    return from <= firstLost + 50 && last >= firstLost - 50;
  });
  const shown = around
    .slice(0, 6)
    .map(
      (s) =>
        `[${s.opened.toISOString().slice(11, 23)} from ${s.resumeFrom ?? 'live'}: ${s.received} got ${s.first ?? '-'}..${s.last ?? '-'}, ${s.ended ?? 'open'}]`,
    );
  return `missed notification offsets ${ranges.slice(0, 8).join(', ')}${ranges.length > 8 ? ', …' : ''}; sessions around the first: ${shown.join(' ')}`;
}
