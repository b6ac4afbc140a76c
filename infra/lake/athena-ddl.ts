import { LAKE_YEARS } from './layout.ts';
import { LOG_TYPES, type LogTypeName } from './log-query.ts';

/** An Avro schema as JSON (the canonical form, named types expanded). */
type AvroJson = string | { type: AvroJson; [key: string]: unknown } | AvroJson[];
interface AvroField {
  readonly name: string;
  readonly type: AvroJson;
  readonly doc?: string;
}

/** Which envelope fields the lake keeps as columns; the payload's partition fields live in the path. */
const METADATA_COLUMNS = ['eventId', 'occurredAt', 'correlationId'] as const;
const PARTITION_FIELDS = new Set(['organizationId', 'logType', 'environment']);

/** The lake's own columns, not from the event: where each row came from in Kafka. */
const KAFKA_COLUMNS = [
  { name: 'kafka_topic', type: 'string', doc: 'The Kafka topic the entry was read from.' },
  { name: 'kafka_partition', type: 'int', doc: 'Its partition.' },
  { name: 'kafka_offset', type: 'bigint', doc: 'Its offset: with the topic and partition, the row’s identity.' },
];

export const snakeCase = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const quote = (name: string) => `\`${name}\``;
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** The Hive type Athena reads an Avro type's Parquet column as (DuckDB's writer maps them so). */
export function hiveTypeOf(type: AvroJson): string {
  if (Array.isArray(type)) {
    const [only, ...more] = type.filter((t) => t !== 'null');
    if (!only || more.length > 0)
      throw new Error(`a union of several types has no column type: ${JSON.stringify(type)}`);
    return hiveTypeOf(only);
  }
  if (typeof type === 'string') {
    const primitive: Record<string, string> = {
      string: 'string',
      boolean: 'boolean',
      int: 'int',
      long: 'bigint',
      float: 'float',
      double: 'double',
    };
    if (!primitive[type]) throw new Error(`no column type for Avro ${type}`);
    return primitive[type];
  }
  if (type.logicalType === 'timestamp-millis' || type.logicalType === 'timestamp-micros') return 'timestamp';
  switch (type.type) {
    case 'enum':
      return 'string';
    case 'map':
      return `map<string,${hiveTypeOf(type.values as AvroJson)}>`;
    case 'array':
      return `array<${hiveTypeOf(type.items as AvroJson)}>`;
    case 'record':
      return `struct<${(type.fields as AvroField[]).map((f) => `${quote(snakeCase(f.name))}:${hiveTypeOf(f.type)}`).join(',')}>`;
    default:
      return hiveTypeOf(type.type);
  }
}

export interface LakeColumn {
  readonly name: string;
  readonly type: string;
  readonly doc: string;
}

/**
 * The lake file's columns, from LogEntry's Avro schema: the envelope's id, time and correlation,
 * the payload's fields but the partition ones (in the path, as Hive lays tables out), names in
 * snake_case, the timeline an array of structs (Athena UNNESTs it), then the Kafka coordinates.
 */
export function lakeColumnsOf(logEntrySchema: string): LakeColumn[] {
  const root = JSON.parse(logEntrySchema) as { fields: AvroField[] };
  const record = (name: string) =>
    (root.fields.find((f) => f.name === name)!.type as unknown as { fields: AvroField[] }).fields;
  const column = (field: AvroField): LakeColumn => ({
    name: snakeCase(field.name),
    type: hiveTypeOf(field.type),
    doc: field.doc ?? '',
  });
  const metadata = record('metadata');
  return [
    ...METADATA_COLUMNS.map((name) => column(metadata.find((f) => f.name === name)!)),
    ...record('payload')
      .filter((f) => !PARTITION_FIELDS.has(f.name))
      .map(column),
    ...KAFKA_COLUMNS,
  ];
}

export interface DdlTarget {
  readonly database: string;
  readonly bucket: string;
}

/** The table of one log type: `<database>.logs_<type>`. */
export const tableOf = (database: string, logType: LogTypeName) => `${database}.logs_${logType}`;

/**
 * CREATE EXTERNAL TABLE for one log type, over `s3://<bucket>/logs/`, with partition projection:
 * Athena computes each partition's location from the query's values (environment and organization
 * injected, so a query must name them; year, month, day and hour as zero-padded ranges), so no
 * partition is ever added or repaired (no MSCK REPAIR TABLE, no Glue crawler).
 */
export function createTableDdl(logEntrySchema: string, logType: LogTypeName, target: DdlTarget): string {
  const columns = lakeColumnsOf(logEntrySchema);
  const width = Math.max(...columns.map((c) => quote(c.name).length));
  const location = `s3://${target.bucket}/logs/`;
  const template = `${location}environment=\${environment}/organization=\${organization}/logtype=${logType}/year=\${year}/month=\${month}/day=\${day}/hour=\${hour}/`;
  const properties: [string, string][] = [
    ['classification', 'parquet'],
    ['parquet.compression', 'ZSTD'],
    ['projection.enabled', 'true'],
    ['projection.environment.type', 'injected'],
    ['projection.organization.type', 'injected'],
    ['projection.year.type', 'integer'],
    ['projection.year.range', `${LAKE_YEARS.first},${LAKE_YEARS.last}`],
    ['projection.month.type', 'integer'],
    ['projection.month.range', '1,12'],
    ['projection.month.digits', '2'],
    ['projection.day.type', 'integer'],
    ['projection.day.range', '1,31'],
    ['projection.day.digits', '2'],
    ['projection.hour.type', 'integer'],
    ['projection.hour.range', '0,23'],
    ['projection.hour.digits', '2'],
    ['storage.location.template', template],
  ];
  return [
    `CREATE EXTERNAL TABLE IF NOT EXISTS ${tableOf(target.database, logType)} (`,
    columns
      .map((c) => `  ${quote(c.name).padEnd(width)} ${c.type}${c.doc ? ` COMMENT ${literal(c.doc)}` : ''}`)
      .join(',\n'),
    ')',
    `COMMENT ${literal(`Log entries of type ${logType} (seed 004), written by Tributary's log lake.`)}`,
    'PARTITIONED BY (',
    ['environment', 'organization', 'year', 'month', 'day', 'hour'].map((p) => `  ${quote(p)} string`).join(',\n'),
    ')',
    'STORED AS PARQUET',
    `LOCATION ${literal(location)}`,
    'TBLPROPERTIES (',
    properties.map(([key, value]) => `  ${literal(key)} = ${literal(value)}`).join(',\n'),
    ');',
  ].join('\n');
}

/** The database and one table per log type, in order: what `tributary logs ddl` prints and `--apply` runs. */
export function lakeDdl(logEntrySchema: string, target: DdlTarget): string[] {
  return [
    `CREATE DATABASE IF NOT EXISTS ${target.database} COMMENT 'Tributary log lake (seed 004)';`,
    ...LOG_TYPES.map((logType) => createTableDdl(logEntrySchema, logType, target)),
  ];
}
