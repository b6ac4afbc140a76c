import type { IHeaders, KafkaMessage, Producer } from 'kafkajs';
import { createIdempotentProducer, type KafkaConnection } from '../../infra/kafka/client.ts';
import { deadLetterTopic } from '../../infra/kafka/topics.ts';

/** A record's headers, for code outside the Kafka seam. */
export type RecordHeaders = IHeaders;

/** Headers a dead letter carries besides the original record's own. */
export const DLQ_HEADERS = {
  sourceTopic: 'dlq.source.topic',
  sourcePartition: 'dlq.source.partition',
  sourceOffset: 'dlq.source.offset',
  processor: 'dlq.processor',
  error: 'dlq.error',
  errorClass: 'dlq.error.class',
  reason: 'dlq.reason',
  attempts: 'dlq.attempts',
  failedAt: 'dlq.failed-at',
} as const;

/** A redriven record is meant for one processor; the others consuming the topic skip it. */
export const REDRIVE_HEADERS = {
  processor: 'tributary.redrive.processor',
  deadLetterOffset: 'tributary.redrive.dead-letter-offset',
} as const;

export type DeadLetterReason = 'undecodable' | 'failed' | 'parked';

export interface DeadLetter {
  readonly processor: string;
  readonly topic: string;
  readonly partition: number;
  readonly message: KafkaMessage;
  readonly reason: DeadLetterReason;
  readonly error: string;
  readonly errorClass: string;
  readonly attempts: number;
}

/** Sends the original record, unchanged, to `<topic>.dlq` with where it came from and why it failed. */
export async function sendDeadLetter(producer: Producer, letter: DeadLetter): Promise<string> {
  const { message } = letter;
  const headers: IHeaders = {
    ...withoutRedriveHeaders(message.headers ?? {}),
    [DLQ_HEADERS.sourceTopic]: letter.topic,
    [DLQ_HEADERS.sourcePartition]: String(letter.partition),
    [DLQ_HEADERS.sourceOffset]: message.offset,
    [DLQ_HEADERS.processor]: letter.processor,
    [DLQ_HEADERS.reason]: letter.reason,
    [DLQ_HEADERS.error]: letter.error.slice(0, 2000),
    [DLQ_HEADERS.errorClass]: letter.errorClass,
    [DLQ_HEADERS.attempts]: String(letter.attempts),
    [DLQ_HEADERS.failedAt]: new Date().toISOString(),
  };
  const [written] = await producer.send({
    topic: deadLetterTopic(letter.topic),
    acks: -1,
    messages: [{ key: message.key, value: message.value, headers }],
  });
  return written?.baseOffset ?? '-1';
}

/** A dead letter to send back to its source topic, for the processor that failed on it. */
export interface Redrive {
  readonly processor: string;
  /** Where the dead letter sits in `<topic>.dlq`. */
  readonly deadLetterOffset: string;
  readonly key: string | null;
  readonly value: Buffer | null;
  /** The dead letter's headers: the original record's, plus the dlq.* ones (dropped on the way back). */
  readonly headers: RecordHeaders;
}

/**
 * Sends dead letters back to `topic`, in the order given, in one request, each addressed to the
 * processor that failed on it (the others consuming the topic skip it).
 */
export async function sendRedrives(kafka: KafkaConnection, topic: string, redrives: readonly Redrive[]): Promise<void> {
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: redrives.map((redrive) => {
        const headers: IHeaders = { ...redrive.headers };
        for (const name of Object.values(DLQ_HEADERS)) delete headers[name];
        headers[REDRIVE_HEADERS.processor] = redrive.processor;
        headers[REDRIVE_HEADERS.deadLetterOffset] = redrive.deadLetterOffset;
        return { key: redrive.key, value: redrive.value, headers };
      }),
    });
  } finally {
    await producer.disconnect();
  }
}

export function withoutRedriveHeaders(headers: IHeaders): IHeaders {
  const copy: IHeaders = { ...headers };
  for (const name of Object.values(REDRIVE_HEADERS)) delete copy[name];
  return copy;
}

export function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}
