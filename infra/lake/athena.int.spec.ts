import { GetQueryExecutionCommand, ListQueryExecutionsCommand } from '@aws-sdk/client-athena';
import { describe, expect, it } from 'vitest';
import { createAwsClients } from '../aws/clients.ts';
import { testConfig } from '../../test/support/platform.ts';
import { logQueryEngineOf } from './log-engine.ts';

/** moto answers GetQueryResults with results queued through its own API (else with none). */
async function queueAthenaResults(endpoint: string, columns: string[], rows: string[][]) {
  const data = (values: string[]) => ({ Data: values.map((v) => ({ VarCharValue: v })) });
  const response = await fetch(`${endpoint}/moto-api/static/athena/query-results`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      account_id: '123456789012',
      region: 'us-east-1',
      results: [
        {
          rows: [data(columns), ...rows.map(data)],
          column_info: columns.map((name) => ({ Name: name, Label: name, Type: 'varchar' })),
        },
      ],
    }),
  });
  expect(response.ok).toBe(true);
}

describe('log queries on Athena (moto)', () => {
  it('when the engine is athena, then a structured query starts an execution in the workgroup with parameters, polls it, and reads its rows', async () => {
    const config = await testConfig({ LAKE_QUERY_ENGINE: 'athena', ATHENA_WORKGROUP: 'primary', ATHENA_POLL_MS: '50' });
    const aws = createAwsClients(config.aws);
    const engine = logQueryEngineOf(config.lake, aws);
    await queueAthenaResults(
      config.aws.endpoint!,
      ['event_id', 'logtype', 'events'],
      [['e-1', 'web', '[{"action":"received request"}]']],
    );
    const states: string[] = [];

    const result = await engine.structured(
      {
        environment: 'test',
        organizationId: "org-o'brien",
        logTypes: ['web'],
        from: new Date('2026-11-22T10:00:00Z'),
        to: new Date('2026-11-22T11:00:00Z'),
        limit: 10,
      },
      (progress) => states.push(progress.state),
    );

    expect(engine.name).toBe('athena');
    expect(result.rows).toEqual([{ event_id: 'e-1', logtype: 'web', events: [{ action: 'received request' }] }]);
    expect(states.at(-1)).toBe('SUCCEEDED');
    const { QueryExecutionIds: ids = [] } = await aws.athena.send(
      new ListQueryExecutionsCommand({ WorkGroup: 'primary' }),
    );
    // moto has no BatchGetQueryExecution: one GetQueryExecution per id.
    const executions = await Promise.all(
      ids.map(
        async (id) => (await aws.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))).QueryExecution!,
      ),
    );
    const ours = executions.find((e) => e.ExecutionParameters?.includes("'org-o''brien'"));
    expect(ours?.Query).toContain('from tributary_logs.logs_web');
    expect(ours?.Query).toContain('organization = ?');
    expect(ours?.Query).not.toContain('brien');
    expect(ours?.QueryExecutionContext?.Database).toBe('tributary_logs');
    expect(ours?.ResultConfiguration?.OutputLocation).toMatch(/^s3:\/\/tributary-[a-z]+-lake\/athena-results\//);
  });
});
