import type pg from 'pg';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * Applies an owner's migrations that are not yet recorded, in version order, each in its own
 * transaction with its record, under a lock so concurrent starts apply each exactly once.
 * With `schema`, the migrations run inside that Postgres schema (created when missing), so their
 * SQL names tables without qualification. Returns the versions applied by this call.
 */
export async function migrate(
  pool: pg.Pool,
  owner: string,
  migrations: readonly Migration[],
  options: { schema?: string } = {},
): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query(`create table if not exists public.tributary_migrations (
      owner text not null,
      version integer not null,
      name text not null,
      applied_at timestamptz not null default now(),
      primary key (owner, version))`);
    const applied: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      await client.query('begin');
      try {
        await client.query('select pg_advisory_xact_lock(hashtext($1))', [`tributary_migrations:${owner}`]);
        if (options.schema) {
          await client.query(`create schema if not exists ${quoteIdentifier(options.schema)}`);
          await client.query(`set local search_path to ${quoteIdentifier(options.schema)}, public`);
        }
        const done = await client.query('select 1 from public.tributary_migrations where owner = $1 and version = $2', [
          owner,
          migration.version,
        ]);
        if (done.rowCount === 0) {
          await client.query(migration.sql);
          await client.query('insert into public.tributary_migrations (owner, version, name) values ($1, $2, $3)', [
            owner,
            migration.version,
            migration.name,
          ]);
          applied.push(migration.version);
        }
        await client.query('commit');
      } catch (error) {
        await client.query('rollback');
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
