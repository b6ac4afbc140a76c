import { withKafkaAdmin } from '../../infra/kafka/admin.ts';
import type { KafkaConnection } from '../../infra/kafka/client.ts';
import type { Logger } from '../../infra/logging/logger.ts';
import { tailEvents, type Tail } from '../../processors/runtime/tail.ts';
import type { EventCodec } from '../../schemas/codec.ts';
import type { NotificationIssued } from '../../schemas/generated/events.ts';

/** A notification with where it sits in Kafka: `<partition>-<offset>` is a client's resume position. */
export interface PositionedNotification {
  readonly partition: number;
  readonly offset: bigint;
  readonly position: string;
  readonly notification: NotificationIssued;
}

export type NotificationListener = (item: PositionedNotification) => void;

export function formatPosition(partition: number, offset: bigint): string {
  return `${partition}-${offset}`;
}

export function parsePosition(position: string): { partition: number; offset: bigint } | undefined {
  const match = /^(\d+)-(\d+)$/.exec(position);
  return match ? { partition: Number(match[1]), offset: BigInt(match[2]!) } : undefined;
}

export type ResumeResult = { kind: 'resumed'; missed: PositionedNotification[] } | { kind: 'refetch'; reason: string };

/**
 * Every notification, for this API instance: its own consumer group (so every instance sees all
 * of them), read from the start of the topic's retention, with the most recent ones of each
 * partition kept in memory so a reconnecting client, on any instance, gets what it missed.
 * Listeners are called synchronously in offset order.
 */
export class NotificationFeed {
  private readonly buffers = new Map<number, PositionedNotification[]>();
  /** Offset before which a partition's notifications may no longer be in the buffer. */
  private readonly bufferStart = new Map<number, bigint>();
  private readonly listeners = new Set<NotificationListener>();
  private tail?: Tail;

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
    for (const { partition, low } of ranges) this.bufferStart.set(partition, low);
    this.tail = await tailEvents(this.kafka, {
      topic: this.topic,
      group: 'tributary.realtime-feed',
      codec: this.codec,
      logger: this.logger,
      onEvent: ({ partition, offset, event }) => {
        if (event.type !== 'NotificationIssued') return;
        this.append({
          partition,
          offset: BigInt(offset),
          position: formatPosition(partition, BigInt(offset)),
          notification: event,
        });
      },
    });
    await this.tail.ready;
  }

  subscribe(listener: NotificationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * What an organization's client missed after `position`, in order, and registers `listener`
   * for what comes next, in the same synchronous step: nothing is missed or sent twice.
   */
  resume(position: string, listener: NotificationListener): ResumeResult {
    const parsed = parsePosition(position);
    if (!parsed) return { kind: 'refetch', reason: `position ${position} is not one this service issued` };
    const start = this.bufferStart.get(parsed.partition);
    if (start === undefined)
      return { kind: 'refetch', reason: `position ${position} names a partition that does not exist` };
    if (parsed.offset + 1n < start) {
      return {
        kind: 'refetch',
        reason: `notifications after ${position} are no longer kept; fetch the current state and subscribe afresh`,
      };
    }
    const missed = (this.buffers.get(parsed.partition) ?? []).filter((item) => item.offset > parsed.offset);
    this.listeners.add(listener);
    return { kind: 'resumed', missed };
  }

  unsubscribe(listener: NotificationListener): void {
    this.listeners.delete(listener);
  }

  async stop(): Promise<void> {
    await this.tail?.stop();
  }

  private append(item: PositionedNotification): void {
    const buffer = this.buffers.get(item.partition) ?? [];
    buffer.push(item);
    if (buffer.length > this.perPartition) {
      const dropped = buffer.splice(0, buffer.length - this.perPartition);
      this.bufferStart.set(item.partition, dropped.at(-1)!.offset + 1n);
    }
    this.buffers.set(item.partition, buffer);
    for (const listener of this.listeners) listener(item);
  }
}
