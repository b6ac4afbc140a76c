import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { Logger } from '../infra/logging/logger.ts';
import { checkpointsReached } from '../processors/runtime/store.ts';
import { liveProcessorName, type Projection } from '../projections/projection.ts';
import type { Position } from '../producers/publisher.ts';
import { problem } from './errors.ts';

/** topic -> partition -> offset of the last event written there. */
export type PositionMap = Readonly<Record<string, Readonly<Record<string, string>>>>;

/**
 * A command's position as one opaque token (base64url JSON): the highest offset it wrote in
 * each topic partition. A read given `?after=<token>` waits until the read model has applied
 * every one of them: read-your-writes across processes and instances.
 */
export function encodePosition(positions: readonly Position[]): string {
  const map: Record<string, Record<string, string>> = {};
  for (const p of positions) {
    const byPartition = (map[p.topic] ??= {});
    const current = byPartition[String(p.partition)];
    if (current === undefined || BigInt(current) < BigInt(p.offset)) byPartition[String(p.partition)] = p.offset;
  }
  return Buffer.from(JSON.stringify(map)).toString('base64url');
}

export function decodePosition(token: string): PositionMap {
  try {
    const map = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (!map || typeof map !== 'object' || Array.isArray(map)) throw new Error('not an object');
    for (const partitions of Object.values(map)) {
      if (!partitions || typeof partitions !== 'object' || Array.isArray(partitions)) throw new Error('not an object');
      for (const [partition, offset] of Object.entries(partitions as object)) {
        if (!/^(0|[1-9]\d{0,8})$/.test(partition)) throw new Error('bad partition');
        if (typeof offset !== 'string' || !/^\d{1,19}$/.test(offset)) throw new Error('bad offset');
      }
    }
    return map as PositionMap;
  } catch {
    throw problem.invalidPosition('is not a position token');
  }
}

/** How many partitions a topic has (0 when the cluster does not know it). */
export type PartitionCount = (topic: string) => Promise<number>;

/** Asking the cluster again about a topic at most this often, however many requests name a missing partition. */
const RECHECK_MS = 1000;

/**
 * Partition counts from the cluster, remembered. A topic's partitions can be added but never
 * removed, so a partition below the remembered count exists for good and costs no request; only
 * a partition at or above it makes the cluster be asked again (once a second per topic at most,
 * concurrent askers sharing one request), so a partition added since is found.
 */
export class PartitionCounts {
  private readonly known = new Map<string, { count: number; at: number }>();
  private readonly pending = new Map<string, Promise<number>>();

  constructor(
    private readonly count: PartitionCount,
    private readonly now: () => number = Date.now,
  ) {}

  async exists(topic: string, partition: number): Promise<boolean> {
    const known = this.known.get(topic);
    if (known && (partition < known.count || this.now() - known.at < RECHECK_MS)) return partition < known.count;
    return partition < (await this.refresh(topic));
  }

  private refresh(topic: string): Promise<number> {
    const inFlight = this.pending.get(topic);
    if (inFlight) return inFlight;
    const asked = this.count(topic)
      .then((count) => {
        this.known.set(topic, { count, at: this.now() });
        return count;
      })
      .finally(() => this.pending.delete(topic));
    this.pending.set(topic, asked);
    return asked;
  }
}

/**
 * Why a read model can never reach this position, or undefined when it can: a topic it does not
 * read, or a partition its topic does not have. Such a position would otherwise be waited for
 * and answered 503 with Retry-After, and the client would retry for ever.
 */
export async function unreachable(
  position: PositionMap,
  topics: readonly string[],
  partitions: PartitionCounts,
): Promise<string | undefined> {
  for (const [topic, offsets] of Object.entries(position)) {
    if (!topics.includes(topic)) return `topic ${topic} is not read by this read model`;
    for (const partition of Object.keys(offsets).map(Number))
      if (!(await partitions.exists(topic, partition))) return `partition ${partition} does not exist in ${topic}`;
  }
  return undefined;
}

/** Waits, bounded, until the processor's checkpoints are past every offset in the position. */
export async function waitForPosition(
  pool: pg.Pool,
  processor: string,
  position: PositionMap,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reached = await checkpointsReached(pool, processor, position);
    if (reached) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(50, Math.max(1, deadline - Date.now())));
  }
}

/**
 * `?after=` for a read model's routes: 400 for a token that is not a position or one the model can
 * never reach, 503 with Retry-After once `waitMs` has passed without the model reaching it.
 */
export class ReadPositions {
  constructor(
    private readonly pool: pg.Pool,
    private readonly partitions: PartitionCounts,
    private readonly logger: Logger,
    /** The offset the next record of each partition gets; asked only when a wait ran out. */
    private readonly ends: TopicEnds = async () => [],
  ) {}

  async waitFor(projection: Pick<Projection, 'name' | 'topics'>, token: string, waitMs: number): Promise<void> {
    const position = decodePosition(token);
    const reason = await unreachable(position, projection.topics, this.partitions).catch((error: unknown) => {
      // The cluster cannot be asked: the wait decides, and ends in 503 with Retry-After if need be.
      this.logger.warn({ err: error }, 'could not read partition counts to check a position');
      return undefined;
    });
    if (reason) throw problem.invalidPosition(reason);
    if (!(await waitForPosition(this.pool, liveProcessorName(projection), position, waitMs))) {
      const past = await pastTheEnd(position, this.ends).catch((error: unknown) => {
        this.logger.warn({ err: error }, 'could not read the topics’ end offsets to check a position');
        return undefined;
      });
      if (past) throw problem.invalidPosition(past);
      throw problem.positionNotReached(waitMs);
    }
  }
}

/** Each partition of a topic with the offset its next record gets. */
export type TopicEnds = (topic: string) => Promise<readonly { partition: number; high: bigint }[]>;

/**
 * Why the position can never be reached because no record has its offset yet, or undefined. A
 * position a command returned names a record already written, so it is below its partition's
 * end; one past it was made up, or names a topic since recreated (a wiped stack): waiting would
 * answer 503 and the client would retry for ever.
 */
export async function pastTheEnd(position: PositionMap, ends: TopicEnds): Promise<string | undefined> {
  for (const [topic, offsets] of Object.entries(position)) {
    const partitions = await ends(topic);
    for (const [partition, offset] of Object.entries(offsets)) {
      const end = partitions.find((p) => p.partition === Number(partition))?.high;
      if (end !== undefined && BigInt(offset) >= end)
        return `offset ${offset} is past the end of partition ${partition} of ${topic} (next offset ${end}): not a position this API issued`;
    }
  }
  return undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Read-your-writes for read models' routes: `await app.readPositions.waitFor(projection, after, wait)`. */
    readonly readPositions: ReadPositions;
  }
}
