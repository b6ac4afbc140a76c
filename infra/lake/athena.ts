import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type AthenaClient,
  type QueryExecution,
} from '@aws-sdk/client-athena';
import { OperatorError } from '../errors.ts';

export interface AthenaSettings {
  readonly database: string;
  readonly workgroup: string;
  readonly outputLocation?: string;
  readonly pollMs: number;
}

/** How far a running query is, for a progress line: its state, the time it has run, what it has read. */
export interface AthenaProgress {
  readonly state: string;
  readonly elapsedMs: number;
  readonly scannedBytes: number;
}

export interface SqlResult {
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, string | null>[];
  /** Athena's statistics, when it ran there. */
  readonly scannedBytes?: number;
}

/** A query Athena refused or failed: its own reason, for the operator. */
export class AthenaQueryError extends OperatorError {}

/**
 * Runs one statement on Athena: StartQueryExecution in the configured workgroup and database
 * (results to the output location), GetQueryExecution every `pollMs` until it ends (each poll
 * reported to `onProgress`), then GetQueryResults page by page. Values come as Athena gives them:
 * strings, or null. `parameters` fill the statement's `?` in order (Athena's execution parameters,
 * so no value is ever spliced into the SQL).
 */
export async function runAthenaQuery(
  client: AthenaClient,
  sql: string,
  settings: AthenaSettings,
  options: { parameters?: readonly string[]; onProgress?: (progress: AthenaProgress) => void; maxRows?: number } = {},
): Promise<SqlResult> {
  const started = await client.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      WorkGroup: settings.workgroup,
      QueryExecutionContext: { Database: settings.database },
      ...(settings.outputLocation ? { ResultConfiguration: { OutputLocation: settings.outputLocation } } : {}),
      ...(options.parameters && options.parameters.length > 0 ? { ExecutionParameters: [...options.parameters] } : {}),
    }),
  );
  const id = started.QueryExecutionId;
  if (!id) throw new AthenaQueryError('Athena started no query execution');
  const execution = await untilDone(client, id, settings.pollMs, options.onProgress);
  const state = execution.Status?.State;
  if (state !== 'SUCCEEDED')
    throw new AthenaQueryError(
      `Athena query ${id} ${state?.toLowerCase() ?? 'ended'}: ${execution.Status?.StateChangeReason ?? 'no reason given'}`,
    );

  let columns: string[] = [];
  const rows: Record<string, string | null>[] = [];
  let token: string | undefined;
  let first = true;
  do {
    const page = await client.send(
      new GetQueryResultsCommand({ QueryExecutionId: id, ...(token ? { NextToken: token } : {}) }),
    );
    if (first) columns = (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => c.Name ?? '');
    const data = (page.ResultSet?.Rows ?? []).map((row) => (row.Data ?? []).map((d) => d.VarCharValue ?? null));
    // A SELECT's first row is its header (Athena repeats the column names as data).
    if (first && data.length > 0 && data[0]!.every((value, i) => value === columns[i])) data.shift();
    for (const values of data) rows.push(Object.fromEntries(columns.map((c, i) => [c, values[i] ?? null])));
    first = false;
    token = page.NextToken;
  } while (token && (options.maxRows === undefined || rows.length < options.maxRows));
  return {
    columns,
    rows: options.maxRows === undefined ? rows : rows.slice(0, options.maxRows),
    scannedBytes: execution.Statistics?.DataScannedInBytes ?? 0,
  };
}

async function untilDone(
  client: AthenaClient,
  id: string,
  pollMs: number,
  onProgress?: (progress: AthenaProgress) => void,
): Promise<QueryExecution> {
  const since = Date.now();
  for (;;) {
    const { QueryExecution: execution } = await client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
    const state = execution?.Status?.State ?? 'QUEUED';
    onProgress?.({
      state,
      elapsedMs: Date.now() - since,
      scannedBytes: execution?.Statistics?.DataScannedInBytes ?? 0,
    });
    if (state === 'SUCCEEDED' || state === 'FAILED' || state === 'CANCELLED') return execution!;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
