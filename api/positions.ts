import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { checkpointsReached } from '../processors/runtime/store.ts';
import type { Position } from '../producers/publisher.ts';
import { ApiError } from './errors.ts';

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
      for (const offset of Object.values(partitions as object))
        if (typeof offset !== 'string' || !/^\d+$/.test(offset)) throw new Error('bad offset');
    }
    return map as PositionMap;
  } catch {
    throw new ApiError(
      400,
      'invalid_position',
      'The position is not one this API issued',
      'pass the position a command returned',
      [{ field: 'querystring.after', problem: 'is not a position token' }],
    );
  }
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
