import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type pg from 'pg';
import type { Logger } from '../logging/logger.ts';
import { migrate } from '../postgres/migrations.ts';
import type { ProcessingReport } from './processing.ts';
import {
  beat,
  INSTANCE_MIGRATIONS,
  listInstances,
  registerInstance,
  removeInstance,
  type InstanceIdentity,
  type InstanceRecord,
} from './registry.ts';

/** An hour without a beat: the row is deleted by whichever instance beats next. */
export const PRUNE_AFTER_MS = 3_600_000;

/** Three beats missed (INSTANCE_HEARTBEAT_MS): the instance is shown as stale. */
export const staleAfterMs = (intervalMs: number) => 3 * intervalMs;

export interface HeartbeatOptions {
  /** INSTANCE_HEARTBEAT_MS. */
  readonly intervalMs: number;
  readonly pruneAfterMs?: number;
}

/** A name that tells the machine and process at a glance and never repeats across restarts. */
export function newInstanceId(): string {
  return `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
}

/**
 * Registers this process in Postgres and beats every interval with its consumers' lag, so
 * `tributary projections status` shows every instance of every machine. Beating never fails the
 * process: a missed beat is logged, and the instance shows stale until Postgres answers again.
 */
export class InstanceHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> = Promise.resolve();
  readonly id: string;

  constructor(
    private readonly pool: pg.Pool,
    private readonly identity: Omit<InstanceIdentity, 'id' | 'host' | 'pid'> & Partial<InstanceIdentity>,
    private readonly report: () => Promise<ProcessingReport>,
    private readonly logger: Logger,
    private readonly options: HeartbeatOptions,
  ) {
    this.id = identity.id ?? newInstanceId();
  }

  async start(): Promise<void> {
    await migrate(this.pool, 'instances', INSTANCE_MIGRATIONS);
    await registerInstance(this.pool, { host: hostname(), pid: process.pid, ...this.identity, id: this.id });
    await this.beatOnce();
    this.timer = setInterval(() => (this.beating = this.beating.then(() => this.beatOnce())), this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
    await removeInstance(this.pool, this.id).catch((error: unknown) =>
      this.logger.warn({ err: error }, 'could not remove this instance from the registry; it will show stale'),
    );
  }

  private async beatOnce(): Promise<void> {
    try {
      const { lag, processors } = await this.report();
      await beat(this.pool, this.id, { lag, consumers: processors }, this.options.pruneAfterMs ?? PRUNE_AFTER_MS);
    } catch (error) {
      this.logger.warn({ err: error }, 'instance heartbeat failed');
    }
  }
}

/** The instances `projections status` lists. */
export async function instancesOf(pool: pg.Pool, heartbeatMs: number): Promise<InstanceRecord[]> {
  await migrate(pool, 'instances', INSTANCE_MIGRATIONS);
  return listInstances(pool, staleAfterMs(heartbeatMs));
}
