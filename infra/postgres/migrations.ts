import type pg from 'pg';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** One lock for every owner's migrations: two processes starting at once never run DDL side by side. */
const MIGRATION_LOCK = 'tributary_migrations';

/**
 * Applies an owner's migrations that are not yet recorded, in version order, each in its own
 * transaction with its record. Every transaction takes the migration lock as its first
 * statement, before even the records table is created, so concurrent starts (several
 * processors of one process, several processes) apply each migration exactly once and never
 * race on creating the same table or type. With `schema`, the migrations run inside that
 * Postgres schema (created when missing), so their SQL names tables without qualification.
 * Returns the versions applied by this call.
 */
export async function migrate(
  pool: pg.Pool,
  owner: string,
  migrations: readonly Migration[],
  options: { schema?: string } = {},
): Promise<number[]> {
  const client = await pool.connect();
  const locked = async <T>(work: () => Promise<T>): Promise<T> => {
    await client.query('begin');
    try {
      await client.query('select pg_advisory_xact_lock(hashtext($1))', [MIGRATION_LOCK]);
      await client.query(`create table if not exists public.tributary_migrations (
        owner text not null,
        version integer not null,
        name text not null,
        applied_at timestamptz not null default now(),
        primary key (owner, version))`);
      const result = await work();
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    }
  };
  try {
    const applied: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      try {
        const ran = await locked(async () => {
          if (options.schema) {
            await client.query(`create schema if not exists ${quoteIdentifier(options.schema)}`);
            await client.query(`set local search_path to ${quoteIdentifier(options.schema)}, public`);
          }
          const done = await client.query(
            'select 1 from public.tributary_migrations where owner = $1 and version = $2',
            [owner, migration.version],
          );
          if (done.rowCount !== 0) return false;
          await client.query(migration.sql);
          await client.query('insert into public.tributary_migrations (owner, version, name) values ($1, $2, $3)', [
            owner,
            migration.version,
            migration.name,
          ]);
          return true;
        });
        if (ran) applied.push(migration.version);
      } catch (error) {
        throw new Error(
          `migration ${owner} v${migration.version} (${migration.name}) failed: ${(error as Error).message}`,
          { cause: error },
        );
      }
    }
    return applied;
  } finally {
    client.release();
  }
}

/** A schema or table name made safe to splice into SQL; only plain lower-case names are accepted. */
export function quoteIdentifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain SQL identifier: ${name}`);
  return `"${name}"`;
}
