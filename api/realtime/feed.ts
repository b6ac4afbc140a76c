import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from '../../infra/logging/logger.ts';
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
  private consumer?: Consumer;

  constructor(
    private readonly kafka: Kafka,
    private readonly codec: EventCodec,
    private readonly topic: string,
    private readonly perPartition: number,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: `tributary.realtime-feed.${randomUUID()}`,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    await consumer.connect();
    // The buffers start where Kafka's retention starts, so "too old" means gone from Kafka too.
    const admin = this.kafka.admin();
    await admin.connect();
    for (const { partition, low } of await admin.fetchTopicOffsets(this.topic))
      this.bufferStart.set(partition, BigInt(low));
    await admin.disconnect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    let joined: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (joined = resolve));
    consumer.on(consumer.events.GROUP_JOIN, () => joined());
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        let notification;
        try {
          notification = await this.codec.decode(message.value);
        } catch (error) {
          this.logger.warn({ err: error, partition, offset: message.offset }, 'skipping an undecodable notification');
          return;
        }
        if (notification.type !== 'NotificationIssued') return;
        this.append({
          partition,
          offset: BigInt(message.offset),
          position: formatPosition(partition, BigInt(message.offset)),
          notification,
        });
      },
    });
    await ready;
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
    await this.consumer?.disconnect();
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
