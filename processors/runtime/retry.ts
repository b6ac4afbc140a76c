export interface RetryPolicy {
  /** Tries in all, the first included. */
  readonly attempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, initialDelayMs: 200, maxDelayMs: 10_000 };

/**
 * Exponential backoff with full jitter: a random delay up to initial * 2^(attempt-1), capped,
 * so processors that failed together do not retry together.
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));
  return Math.round(random() * ceiling);
}

/** Whether retrying can help: errors say so with `retriable: false` (bad data), otherwise assume yes. */
export function isRetriable(error: unknown): boolean {
  return !(typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === false);
}

/**
 * Kafka's answers that this consumer no longer owns its partitions (its session timed out under
 * load, a rebalance moved them): the record is not at fault, so it must never be dead-lettered.
 */
const LOST_MEMBERSHIP = new Set([
  'UNKNOWN_MEMBER_ID',
  'ILLEGAL_GENERATION',
  'REBALANCE_IN_PROGRESS',
  'FENCED_INSTANCE_ID',
  'NOT_COORDINATOR_FOR_GROUP',
]);

/** An error and those it wraps (`cause`, or kafkajs's `originalError`), five deep at most. */
function* wrapped(error: unknown): Generator<Record<string, unknown>> {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 5; depth += 1) {
    const found = current as Record<string, unknown>;
    yield found;
    current = found.cause ?? found.originalError;
  }
}

/** Whether the error (or one it wraps) says the consumer lost its group membership. */
export function isLostMembership(error: unknown): boolean {
  for (const { type } of wrapped(error)) if (typeof type === 'string' && LOST_MEMBERSHIP.has(type)) return true;
  return false;
}

/** Kafka's answers that are about a record's content: those may be the record's fault. */
const RECORD_FAULTS = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD']);

/**
 * Whether the error (or one it wraps) is the Kafka client failing to reach or write to the
 * cluster: a broker down (kafkajs's own retries exhausted), a leader moving, the idempotent
 * producer's sequence broken by a failover. kafkajs marks several of these `retriable: false`
 * because its own retries are spent, but the record is not at fault: a processor whose outputs
 * cannot be written must wait for the cluster, never dead-letter the record it was handling
 * (which parks its key, and every later event of it, until someone redrives).
 */
export function isKafkaUnavailable(error: unknown): boolean {
  for (const { name, type } of wrapped(error)) {
    if (typeof type === 'string' && RECORD_FAULTS.has(type)) return false;
    if (typeof name === 'string' && name.startsWith('KafkaJS')) return true;
  }
  return false;
}

/**
 * Postgres's answers that it cannot be reached or is not serving yet: SQLSTATE class 08
 * (connection exceptions), 57P01-57P03 (shut down by an administrator or a crash, starting up:
 * "the database system is starting up"), 53300 (too many connections), and the socket errors
 * and pg pool messages of a server that went away. None is the record's fault.
 */
const POSTGRES_DOWN_CODES = new Set(['57P01', '57P02', '57P03', '53300']);
const SOCKET_DOWN_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']);
const POSTGRES_DOWN_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
];

/** Whether the error (or one it wraps) says Postgres is down or not yet serving. */
export function isPostgresUnavailable(error: unknown): boolean {
  for (const { code, message } of wrapped(error)) {
    if (typeof code === 'string' && (code.startsWith('08') || POSTGRES_DOWN_CODES.has(code))) return true;
    if (typeof code === 'string' && SOCKET_DOWN_CODES.has(code)) return true;
    if (typeof message === 'string' && POSTGRES_DOWN_MESSAGES.some((m) => message.includes(m))) return true;
  }
  return false;
}
