import { randomUUID } from 'node:crypto';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/** A log entry as the lake stores it: one Parquet row, the timeline a list of structs Athena can UNNEST. */
export interface LakeRow {
  readonly event_id: string;
  /** ISO 8601, UTC. */
  readonly occurred_at: string;
  readonly server: string;
  readonly level: string | null;
  readonly message: string | null;
  readonly correlation_id: string;
  readonly events: readonly {
    readonly action: string;
    readonly description: string;
    readonly detail: Readonly<Record<string, string>> | null;
    readonly caller: string | null;
    readonly server: string;
    readonly success: boolean;
    readonly time: string;
    readonly transaction_id: string;
    readonly type: string;
  }[];
  readonly kafka_topic: string;
  readonly kafka_partition: number;
  readonly kafka_offset: string;
}

/**
 * The file's columns, in order. The partition values (environment, organization, log type, date)
 * are in the path, as Hive lays tables out, not in the file.
 */
export const LAKE_COLUMNS = {
  event_id: 'VARCHAR',
  occurred_at: 'TIMESTAMP',
  server: 'VARCHAR',
  level: 'VARCHAR',
  message: 'VARCHAR',
  correlation_id: 'VARCHAR',
  events:
    'STRUCT(action VARCHAR, description VARCHAR, detail MAP(VARCHAR, VARCHAR), caller VARCHAR, server VARCHAR, success BOOLEAN, "time" TIMESTAMP, transaction_id VARCHAR, "type" VARCHAR)[]',
  kafka_topic: 'VARCHAR',
  kafka_partition: 'INTEGER',
  kafka_offset: 'BIGINT',
} as const;

/** Writes lake rows as zstd Parquet with DuckDB's writer; one in-memory DuckDB per writer. */
export class ParquetWriter {
  private connection?: Promise<DuckDBConnection>;

  private connect(): Promise<DuckDBConnection> {
    this.connection ??= DuckDBInstance.create(':memory:').then((db) => db.connect());
    return this.connection;
  }

  /** Writes `rows` to the Parquet file `target`. */
  async write(rows: readonly LakeRow[], target: string): Promise<void> {
    const connection = await this.connect();
    const input = join(tmpdir(), `tributary-lake-${randomUUID()}.ndjson`);
    await writeFile(input, rows.map((row) => JSON.stringify(row)).join('\n'));
    try {
      const columns = Object.entries(LAKE_COLUMNS)
        .map(([name, type]) => `${name}: '${type.replace(/'/g, "''")}'`)
        .join(', ');
      await connection.run(
        `COPY (SELECT * FROM read_json(${literal(input)}, format = 'newline_delimited', columns = {${columns}}))
         TO ${literal(target)} (FORMAT parquet, COMPRESSION zstd)`,
      );
    } finally {
      await rm(input, { force: true });
    }
  }

  /**
   * Writes the NDJSON file `input`, whose rows each carry one of the `lake_file` numbers
   * `numbers`, as one zstd Parquet file per number, in one pass: one DuckDB statement for a
   * whole flush cycle instead of one per file (a cycle closes a file per due partition, and a
   * statement's fixed cost dwarfs a small file's rows). Returns the files' paths, in `numbers`' order; the
   * number itself is not a column of the files.
   */
  async writeNumbered(input: string, numbers: readonly number[], directory: string): Promise<string[]> {
    const connection = await this.connect();
    // Above DuckDB's default (100), a partitioned COPY closes and reopens files: one file would become several.
    await connection.run(`SET partitioned_write_max_open_files = ${Math.max(100, numbers.length)}`);
    const columns = Object.entries({ ...LAKE_COLUMNS, lake_file: 'INTEGER' })
      .map(([name, type]) => `${name}: '${type.replace(/'/g, "''")}'`)
      .join(', ');
    await connection.run(
      `COPY (SELECT * FROM read_json(${literal(input)}, format = 'newline_delimited', columns = {${columns}}))
       TO ${literal(directory)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (lake_file))`,
    );
    return Promise.all(
      numbers.map(async (n) => {
        const written = await readdir(join(directory, `lake_file=${n}`));
        if (written.length !== 1) throw new Error(`DuckDB wrote ${written.length} files for lake file ${n}, not 1`);
        return join(directory, `lake_file=${n}`, written[0]!);
      }),
    );
  }

  close(): void {
    void this.connection?.then((connection) => connection.closeSync());
  }
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
