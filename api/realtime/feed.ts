import { withKafkaAdmin } from '../../infra/kafka/admin.ts';
import type { KafkaConnection } from '../../infra/kafka/client.ts';
import type { Logger } from '../../infra/logging/logger.ts';
import { keyPartition, tailEvents, type Tail } from '../../processors/runtime/tail.ts';
import type { EventCodec } from '../../schemas/codec.ts';
import type { NotificationIssued } from '../../schemas/generated/events.ts';

/** A notification with where it sits in Kafka: `<partition>-<offset>` is a client's resume position. */
export interface PositionedNotification {
  readonly partition: number;
  readonly offset: bigint;
  readonly position: string;
  readonly notification: NotificationIssued;
  /** The notification's `data`, parsed once here for every connection. */
  readonly data: unknown;
}

export type NotificationListener = (item: PositionedNotification) => void;

export function formatPosition(partition: number, offset: bigint): string {
  return `${partition}-${offset}`;
}

/** `<partition>-<offset>`; offset -1 is "before the partition's first record" (a subscription to an empty one). */
export function parsePosition(position: string): { partition: number; offset: bigint } | undefined {
  const match = /^(\d+)-(-1|\d+)$/.exec(position);
  return match ? { partition: Number(match[1]), offset: BigInt(match[2]!) } : undefined;
}

export type ResumeResult = { kind: 'resumed' } | { kind: 'refetch'; reason: string };

/** The processor name on the feed's dead letters. */
export const FEED_PROCESSOR = 'realtime-feed';

/**
 * Every notification, for this API instance: its own consumer group (so every instance sees all
 * of them), read from the start of the topic's retention, with the most recent ones of each
 * partition kept in memory so a reconnecting client, on any instance, gets what it missed.
 * Listeners are called synchronously in offset order. A record that is not a notification the
 * feed can deliver (undecodable, or data that is not JSON) is dead-lettered and the feed goes on.
 */
export class NotificationFeed {
  private readonly buffers = new Map<number, PositionedNotification[]>();
  /** Offset before which a partition's notifications may no longer be in the buffer. */
  private readonly bufferStart = new Map<number, bigint>();
  /** The next offset of each partition as far as this feed knows: Kafka's end at start, then what it read. */
  private readonly ends = new Map<number, bigint>();
  private readonly listeners = new Set<NotificationListener>();
  /** The offset of the last record each partition's tail handed over (repeats included). */
  private readonly lastRead = new Map<number, bigint>();
  /**
   * The ids of the notifications each partition's buffer holds (and a window as long again
   * before it). The relay is at-least-once: a notification it published again (its send failed
   * without an answer, after the first one landed) comes back under the same derived id at a new
   * offset. Clients get each notification once, so a repeat is read past, as every instance
   * reading the same partition decides alike.
   */
  private readonly recentIds = new Map<number, { ids: Set<string>; order: string[] }>();
  private partitions = 0;
  private tail?: Tail;
  /** One lookup of Kafka's end offsets at a time, shared by every resume that needs it. */
  private kafkaEndsLookup?: Promise<Map<number, bigint>>;

  constructor(
    private readonly kafka: KafkaConnection,
    private readonly codec: EventCodec,
    private readonly topic: string,
    private readonly perPartition: number,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    // The buffers start where Kafka's retention starts, so "too old" means gone from Kafka too.
    const ranges = await withKafkaAdmin(this.kafka, (admin) => admin.topicOffsets(this.topic));
    for (const { partition, low, high } of ranges) {
      this.bufferStart.set(partition, low);
      this.ends.set(partition, high);
    }
    this.partitions = ranges.length;
    this.tail = await tailEvents(this.kafka, {
      topic: this.topic,
      group: 'tributary.realtime-feed',
      codec: this.codec,
      logger: this.logger,
      deadLetters: { processor: FEED_PROCESSOR },
      onEvent: ({ partition, offset, event }) => {
        if (event.type !== 'NotificationIssued') return;
        this.append({
          partition,
          offset: BigInt(offset),
          position: formatPosition(partition, BigInt(offset)),
          notification: event,
          // Throws on data that is not JSON: the tail dead-letters the record and goes on.
          data: JSON.parse(event.payload.data),
        });
      },
    });
    await this.tail.ready;
  }

  subscribe(listener: NotificationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The partition an organization's notifications are on: the publisher keys them by organization. */
  partitionOf(organizationId: string): number {
    return keyPartition(organizationId, this.partitions);
  }

  /**
   * Hands `listener` what an organization's client missed after `position`, in order, then
   * registers it for what comes next, in one synchronous step: nothing is missed or sent twice.
   * A position on another partition than the organization's, from before what is kept, or past
   * the partition's end in Kafka, is answered with `refetch`. A position past what this instance
   * has read but within Kafka's end (another instance is ahead) resumes: what follows comes live,
   * and the listener must skip what is at or below the position.
   */
  async resume(position: string, organizationId: string, listener: NotificationListener): Promise<ResumeResult> {
    const parsed = parsePosition(position);
    if (!parsed) return refetch(`position ${position} is not one this service issued`);
    const partition = this.partitionOf(organizationId);
    if (parsed.partition !== partition)
      return refetch(
        `position ${position} is not on partition ${partition}, where this organization's notifications are; fetch the current state and subscribe afresh`,
      );
    if (parsed.offset >= (this.ends.get(partition) ?? 0n)) {
      const end = (await this.kafkaEnds()).get(partition) ?? 0n;
      if (parsed.offset >= end)
        return refetch(
          `position ${position} is past the end of partition ${partition} (next offset ${end}); fetch the current state and subscribe afresh`,
        );
    }
    if (parsed.offset + 1n < (this.bufferStart.get(partition) ?? 0n))
      return refetch(
        `notifications after ${position} are no longer kept; fetch the current state and subscribe afresh`,
      );
    for (const item of this.buffers.get(partition) ?? []) if (item.offset > parsed.offset) listener(item);
    this.listeners.add(listener);
    return { kind: 'resumed' };
  }

  /**
   * Where a live subscription registered now starts: everything after this position reaches the
   * listeners registered from now on, so a client that is dropped before its first notification
   * resumes from here and misses nothing. Before the tail has read anything of the partition, it
   * is just before where the partition's records start (-1 on an empty one).
   */
  positionNow(organizationId: string): string {
    const partition = this.partitionOf(organizationId);
    return formatPosition(partition, this.lastRead.get(partition) ?? (this.bufferStart.get(partition) ?? 0n) - 1n);
  }

  unsubscribe(listener: NotificationListener): void {
    this.listeners.delete(listener);
  }

  async stop(): Promise<void> {
    await this.tail?.stop();
  }

  private kafkaEnds(): Promise<Map<number, bigint>> {
    // Bounded: a lookup that hangs (a broker restarting) would hold every resume waiting on it;
    // failing, the connection is closed with 1013 and the client resumes again.
    this.kafkaEndsLookup ??= withTimeout(
      withKafkaAdmin(this.kafka, (admin) => admin.topicOffsets(this.topic)),
      KAFKA_ENDS_TIMEOUT_MS,
      `Kafka's end offsets of ${this.topic} did not come within ${KAFKA_ENDS_TIMEOUT_MS / 1000} s`,
    )
      .then((ranges) => new Map(ranges.map(({ partition, high }) => [partition, high])))
      .finally(() => (this.kafkaEndsLookup = undefined));
    return this.kafkaEndsLookup;
  }

  private append(item: PositionedNotification): void {
    if (!this.bufferStart.has(item.partition)) this.bufferStart.set(item.partition, item.offset);
    this.partitions = Math.max(this.partitions, item.partition + 1);
    if (item.offset >= (this.ends.get(item.partition) ?? 0n)) this.ends.set(item.partition, item.offset + 1n);
    this.lastRead.set(item.partition, item.offset);
    if (this.repeated(item)) return;
    const buffer = this.buffers.get(item.partition) ?? [];
    buffer.push(item);
    if (buffer.length > this.perPartition) {
      const dropped = buffer.splice(0, buffer.length - this.perPartition);
      this.bufferStart.set(item.partition, dropped.at(-1)!.offset + 1n);
    }
    this.buffers.set(item.partition, buffer);
    for (const listener of this.listeners) {
      // One connection's failure is its own: the others, and the feed, go on.
      try {
        listener(item);
      } catch (error) {
        this.logger.error({ err: error, position: item.position }, 'a realtime connection failed on a notification');
      }
    }
  }

  /** Whether this notification's id was already appended on its partition (recently); remembers it if not. */
  private repeated({ partition, notification }: PositionedNotification): boolean {
    const id = notification.metadata.eventId;
    let recent = this.recentIds.get(partition);
    if (!recent) this.recentIds.set(partition, (recent = { ids: new Set(), order: [] }));
    if (recent.ids.has(id)) {
      this.logger.info({ partition, eventId: id }, 'skipping a notification the relay published again');
      return true;
    }
    recent.ids.add(id);
    recent.order.push(id);
    if (recent.order.length > 2 * this.perPartition) recent.ids.delete(recent.order.shift()!);
    return false;
  }
}

const KAFKA_ENDS_TIMEOUT_MS = 10_000;

function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

const refetch = (reason: string): ResumeResult => ({ kind: 'refetch', reason });
