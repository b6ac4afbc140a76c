/**
 * Every topic Tributary owns, declared once. `tributary topics apply` makes the cluster match
 * (creating each topic and its `<topic>.dlq`), and the event catalog routes events here.
 */
export interface TopicDeclaration {
  readonly name: string;
  readonly partitions: number;
  /** Milliseconds, or -1 to keep forever (the events are the system of record). */
  readonly retentionMs: number;
  readonly cleanupPolicy: 'delete' | 'compact';
  /**
   * The largest record batch the broker accepts (the topic's max.message.bytes); the publisher
   * refuses a bigger event before sending and keeps every request's batches under it. Absent:
   * DEFAULT_MAX_MESSAGE_BYTES, which applyTopics sets all the same, so the broker always agrees.
   */
  readonly maxMessageBytes?: number;
  readonly doc: string;
}

const DAY = 24 * 60 * 60 * 1000;
const FOREVER = -1;

/**
 * 1 MiB: Kafka's own default (1 MiB and 12 bytes) rounded to the API's body limit, which defaults
 * to the same number (infra/config/variables.ts).
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_576;

export const TOPICS = [
  {
    name: 'uploads.events',
    partitions: 6,
    retentionMs: FOREVER,
    cleanupPolicy: 'delete',
    maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
    doc: 'Attachment lifecycle, keyed by attachment id.',
  },
  {
    name: 'messages.events',
    partitions: 6,
    retentionMs: FOREVER,
    cleanupPolicy: 'delete',
    maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
    doc: 'Threads and messages, keyed by thread id.',
  },
  {
    name: 'transactions.raw',
    partitions: 6,
    retentionMs: 14 * DAY,
    cleanupPolicy: 'delete',
    maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
    doc: 'Transactions as ingested (CSV lines, API), keyed by account id; cleansing turns them into transactions.cleansed.',
  },
  {
    name: 'transactions.cleansed',
    partitions: 6,
    retentionMs: FOREVER,
    cleanupPolicy: 'delete',
    maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
    doc: 'Validated transactions and account events, keyed by account id.',
  },
  {
    name: 'groups.events',
    partitions: 6,
    retentionMs: FOREVER,
    cleanupPolicy: 'delete',
    maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
    doc: 'Group assignment requests and membership changes, keyed by member id.',
  },
  {
    name: 'imports.events',
    partitions: 3,
    retentionMs: FOREVER,
    cleanupPolicy: 'delete',
    maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
    doc: 'Import jobs (CSV files of transactions, of group assignments): started, progress, completed or failed, keyed by job id.',
  },
  {
    name: 'logs.entries',
    partitions: 6,
    retentionMs: 7 * DAY,
    cleanupPolicy: 'delete',
    maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
    doc: 'Log entries, keyed by organization id; the lake keeps them for the long term.',
  },
  {
    name: 'realtime.notifications',
    partitions: 6,
    retentionMs: 1 * DAY,
    cleanupPolicy: 'delete',
    maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
    doc: 'Notifications for websocket clients; its retention is the resume window.',
  },
] as const satisfies readonly TopicDeclaration[];

export type TopicName = (typeof TOPICS)[number]['name'];

/** Dead letters of a topic: bad events with their error and origin in headers, kept a month. */
export function deadLetterTopic(topic: string): string {
  return `${topic}.dlq`;
}

export const DEAD_LETTER_RETENTION_MS = 30 * DAY;

/**
 * A dead letter is its record unchanged plus the dlq.* headers (the error is cut at 2,000
 * characters), so its topic takes that much more than the topic it comes from.
 */
export const DEAD_LETTER_HEADROOM_BYTES = 16 * 1024;

export function maxMessageBytesOf(topic: TopicDeclaration): number {
  return topic.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
}

/** The declarations including each topic's dead-letter topic, in apply order. */
export function allTopicDeclarations(topics: readonly TopicDeclaration[] = TOPICS): TopicDeclaration[] {
  return topics.flatMap((topic) => [
    topic,
    {
      name: deadLetterTopic(topic.name),
      partitions: 1,
      retentionMs: DEAD_LETTER_RETENTION_MS,
      cleanupPolicy: 'delete' as const,
      maxMessageBytes: maxMessageBytesOf(topic) + DEAD_LETTER_HEADROOM_BYTES,
      doc: `Dead letters of ${topic.name}.`,
    },
  ]);
}
