import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LAKE_COLUMNS } from '../../processors/logs/parquet-writer.ts';
import { loadEventSchemas } from '../../schemas/avro.ts';
import { lakeColumnsOf, lakeDdl } from './athena-ddl.ts';

const schema = loadEventSchemas().find((s) => s.name === 'LogEntry')!.canonical;
const golden = new URL('./athena-ddl.golden.sql', import.meta.url);

describe('the lake’s Athena DDL', () => {
  it('when the DDL is generated from the LogEntry schema, then it is the golden file (regenerate: bin/tributary logs ddl with LAKE_BUCKET=tributary-prod-lake)', () => {
    const ddl = lakeDdl(schema, { database: 'tributary_logs', bucket: 'tributary-prod-lake' }).join('\n\n') + '\n';
    expect(ddl).toBe(readFileSync(golden, 'utf8'));
  });

  it('when the tables are generated, then their columns are the Parquet writer’s, so Athena reads every column the lake writes', () => {
    expect(lakeColumnsOf(schema).map((c) => c.name)).toEqual(expect.arrayContaining(Object.keys(LAKE_COLUMNS)));
    expect(lakeColumnsOf(schema)).toHaveLength(Object.keys(LAKE_COLUMNS).length);
  });

  it('when a table is created, then partitions are projected and the timeline is an array of structs to UNNEST', () => {
    const web = lakeDdl(schema, { database: 'db', bucket: 'b' })[1]!;
    expect(web).toContain("'projection.enabled' = 'true'");
    expect(web).toContain('logtype=web/year=${year}/month=${month}/day=${day}/hour=${hour}/');
    expect(web).toMatch(/`events` +array<struct<`action`:string,/);
  });
});
