import type { DuckDBConnection } from '@duckdb/node-api';
import { LOG_TYPES, type LogTypeName } from './log-query.ts';

/** The Hive partition columns a WHERE clause can narrow, besides the table's log type. */
const PARTITION_COLUMNS = ['environment', 'organization', 'year', 'month', 'day', 'hour'] as const;
type PartitionColumn = (typeof PARTITION_COLUMNS)[number];

/** One allowed value: as the SQL wrote it, text or a number (`month = 1` matches the folder `month=01`). */
type Allowed = { readonly text: string } | { readonly number: number };

/** What a statement can read: the log types of its tables, and per partition column, the values it allows. */
export interface PartitionFilter {
  readonly logTypes: readonly LogTypeName[];
  readonly allowed: Partial<Record<PartitionColumn, readonly Allowed[]>>;
}

interface Node {
  readonly class?: string;
  readonly type?: string;
  readonly children?: readonly Node[];
  readonly left?: Node;
  readonly right?: Node;
  readonly column_names?: readonly string[];
  readonly value?: { readonly type: { readonly id: string }; readonly is_null: boolean; readonly value: unknown };
  readonly [key: string]: unknown;
}

const NUMERIC = new Set(['INTEGER', 'BIGINT', 'SMALLINT', 'TINYINT', 'HUGEINT', 'DECIMAL', 'DOUBLE', 'FLOAT']);

function constant(node: Node | undefined): Allowed | undefined {
  if (node?.class !== 'CONSTANT' || !node.value || node.value.is_null) return undefined;
  const { id } = node.value.type;
  if (NUMERIC.has(id)) return { number: Number(node.value.value) };
  return id === 'VARCHAR' ? { text: String(node.value.value) } : undefined;
}

function partitionColumn(node: Node | undefined): PartitionColumn | undefined {
  const name = node?.class === 'COLUMN_REF' ? node.column_names?.at(-1) : undefined;
  return PARTITION_COLUMNS.find((column) => column === name);
}

/** The top-level AND conjuncts of a WHERE clause. */
function conjuncts(node: Node | undefined): Node[] {
  if (!node) return [];
  if (node.type === 'CONJUNCTION_AND') return (node.children ?? []).flatMap(conjuncts);
  return [node];
}

/**
 * What a statement can read, from DuckDB's own parse (json_serialize_sql): the log types of the
 * lake tables it names, narrowed, for a plain SELECT from one table, by the equality and IN
 * conditions on partition columns among its WHERE's top-level ANDs. Anything else narrows nothing,
 * so a file the statement could read is never left out.
 */
export async function partitionFilterOf(
  connection: DuckDBConnection,
  sql: string,
  database: string,
): Promise<PartitionFilter> {
  const named = LOG_TYPES.filter((type) => new RegExp(`\\blogs_${type}\\b`, 'i').test(sql));
  // A table name the pattern misses (quoted, say) must not hide its files: then every type.
  const everything: PartitionFilter = { logTypes: named.length > 0 ? named : LOG_TYPES, allowed: {} };
  const reader = await connection.runAndReadAll('select json_serialize_sql($sql::VARCHAR) as ast', { sql });
  const ast = JSON.parse(String(reader.getRowObjects()[0]!.ast)) as {
    error: boolean;
    statements?: { node: Node }[];
  };
  const node = ast.statements?.length === 1 ? ast.statements[0]!.node : undefined;
  const from = node?.from_table as Node | undefined;
  if (ast.error || node?.type !== 'SELECT_NODE' || from?.type !== 'BASE_TABLE') return everything;
  if (((node.cte_map as { map: unknown[] } | undefined)?.map.length ?? 0) > 0) return everything;
  const table = String(from.table_name ?? '').toLowerCase();
  const logType = LOG_TYPES.find((type) => table === `logs_${type}`);
  if (!logType || (from.schema_name && String(from.schema_name) !== database)) return everything;

  const allowed: Partial<Record<PartitionColumn, Allowed[]>> = {};
  const narrow = (column: PartitionColumn, values: Allowed[]) => {
    const before = allowed[column];
    allowed[column] = before ? values.filter((v) => before.some((b) => matches(b, v))) : values;
  };
  for (const condition of conjuncts(node.where_clause as Node | undefined)) {
    if (condition.type === 'COMPARE_EQUAL') {
      const [column, value] = partitionColumn(condition.left)
        ? [partitionColumn(condition.left), constant(condition.right)]
        : [partitionColumn(condition.right), constant(condition.left)];
      if (column && value) narrow(column, [value]);
    } else if (condition.type === 'COMPARE_IN') {
      const [first, ...rest] = condition.children ?? [];
      const column = partitionColumn(first);
      const values = rest.map(constant);
      if (column && values.every((v): v is Allowed => v !== undefined)) narrow(column, values);
    }
  }
  return { logTypes: [logType], allowed };
}

function matches(a: Allowed, b: Allowed): boolean {
  if ('text' in a && 'text' in b) return a.text === b.text;
  const number = (x: Allowed) => ('number' in x ? x.number : Number(x.text));
  return number(a) === number(b);
}

/** Whether an object's key lies in a partition the filter allows. */
export function keyAllowed(key: string, filter: PartitionFilter): boolean {
  const values = Object.fromEntries(
    key
      .split('/')
      .map((segment) => segment.split('='))
      .filter((pair) => pair.length === 2)
      .map(([name, value]) => [name, decodeURIComponent(value!)]),
  ) as Record<string, string>;
  if (!filter.logTypes.includes(values.logtype as LogTypeName)) return false;
  return Object.entries(filter.allowed).every(([column, allowed]) =>
    (allowed as Allowed[]).some((a) => values[column] !== undefined && matches(a, { text: values[column] })),
  );
}
