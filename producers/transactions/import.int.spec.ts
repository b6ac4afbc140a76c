import { createReadStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { incomingKey } from '../../infra/imports/delivery-layout.ts';
import { transactionsSlice } from '../../slices/transactions.ts';
import { bearer } from '../../test/support/api.ts';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { eventually } from '../../test/support/eventually.ts';
import { startImportsPlatform, type ImportsPlatform } from '../../test/support/imports.ts';
import { uniqueName } from '../../test/support/platform.ts';
import { startTransactionsFlow, type TransactionsFlow } from '../../test/support/transactions.ts';
import { runImport, type ImportOutcome } from '../imports/run-import.ts';
import { transactionsImporter } from './importer.ts';

let backbone: Backbone;
let flow: TransactionsFlow;
let imports: ImportsPlatform;
const folder = mkdtempSync(join(tmpdir(), 'tributary-import-test-'));

beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 2 });
  [flow, imports] = await Promise.all([
    startTransactionsFlow(backbone),
    startImportsPlatform(backbone, [transactionsSlice]),
  ]);
});
afterAll(async () => {
  await imports?.stop();
  await flow?.stop();
  await backbone?.close();
});

/** What `tributary import transactions <file>` does, for `organizationId`. */
async function importFile(organizationId: string, path: string): Promise<ImportOutcome> {
  return runImport(
    transactionsImporter,
    {
      source: 'cli',
      organizationId,
      requestedBy: 'ops@test',
      fileName: 'nightly.csv',
      objectKey: null,
      sizeBytes: null,
      open: () => createReadStream(path),
    },
    imports.dependencies(transactionsSlice, `${path}.rejected.csv`),
  );
}

async function job(organizationId: string, jobId: string) {
  const response = await imports.app.inject({
    url: `/v1/imports/${jobId}`,
    headers: await bearer(backbone, { organizationId, scopes: ['imports:read'] }),
  });
  return { status: response.statusCode, body: response.json() };
}

async function transactionsOf(organizationId: string, accountId: string) {
  const answer = await flow.call(organizationId, 'GET', `/v1/accounts/${accountId}/transactions?limit=100`);
  return answer.status === 200
    ? (answer.body.items as { amountMinor: number; description: string; lineNumber: number }[])
    : [];
}

const NIGHTLY = [
  'Account ID,Date,Amount,Currency,Description,Reference,Category',
  'acc-1,2026-03-01,-12.50,USD,STARBUCKS #1234 SEATTLE,r-1,',
  'acc-1,2026-03-02,"1,250.00",USD,"PAYROLL',
  'ACME CORP",r-2,income',
  'acc-2,03/02/2026,(40.00),USD,"=HYPERLINK(""http://evil.example"")",r-3,',
  'acc-1,2026-03-01,-12.50,USD,STARBUCKS #1234 SEATTLE,r-1,',
  'acc-1,yesterday,-3.00,USD,COFFEE,r-4,',
  ',2026-03-03,-3.00,USD,COFFEE,r-5,',
  'acc-2,2026-03-04,12.345,USD,TOO PRECISE,r-6,',
  'acc-2,2026-03-04,-1.00,USD',
].join('\r\n');

describe('importing a transactions file', () => {
  it('when a nightly file has good, bad and duplicate lines, then the good ones reach the warehouse once, and each bad one is reported with its line, column and reason', async () => {
    const org = uniqueName('org');
    const path = join(folder, `${org}.csv`);
    writeFileSync(path, NIGHTLY);

    const outcome = await importFile(org, path);

    expect(outcome.kind).toBe('completed');
    if (outcome.kind !== 'completed') return;
    expect(Object.fromEntries(outcome.summary.counts.map((c) => [c.name, c.value]))).toEqual({
      read: 8,
      accepted: 4,
      rejected: 4,
      duplicate: 1,
    });
    const report = readFileSync(`${path}.rejected.csv`, 'utf8').trim().split('\n');
    expect(report[0]).toBe('line_number,column,reason');
    expect(report.slice(1).map((row) => row.split(',').slice(0, 2).join(','))).toEqual([
      '7,date',
      '8,account_id',
      '9,amount',
      '10,',
    ]);
    const balances = await eventually(async () => {
      const one = await transactionsOf(org, 'acc-1');
      const two = await transactionsOf(org, 'acc-2');
      expect(one).toHaveLength(2);
      expect(two).toHaveLength(1);
      return { one, two };
    });
    // The quoted line break keeps the line numbers of the lines after it true.
    expect(balances.one.map((t) => t.lineNumber).sort()).toEqual([2, 3]);
    expect(balances.two[0]).toMatchObject({
      lineNumber: 5,
      amountMinor: -4000,
      description: '=HYPERLINK("http://evil.example")',
    });
    const account = await flow.call(org, 'GET', '/v1/accounts/acc-1');
    expect(account.body).toMatchObject({ balanceMinor: 123_750, currency: 'USD' });

    const seen = await eventually(async () => {
      const answer = await job(org, outcome.jobId);
      expect(answer.body.status).toBe('completed');
      return answer.body;
    });
    expect(seen).toMatchObject({ kind: 'transactions', source: 'cli', fileName: 'nightly.csv', attempts: 1 });
    expect(seen.rejected).toContainEqual({
      lineNumber: 7,
      column: 'date',
      reason: expect.stringContaining('yesterday'),
    });
    expect((await job(uniqueName('other-org'), outcome.jobId)).status).toBe(404);

    const again = await importFile(org, path);
    expect(again).toMatchObject({ kind: 'already-imported', jobId: outcome.jobId });
    expect(await transactionsOf(org, 'acc-1')).toHaveLength(2);
  });

  it('when a file lacks a required column, then it is refused whole, naming the column, and nothing of it is imported', async () => {
    const org = uniqueName('org');
    const path = join(folder, `${org}-wrong.csv`);
    writeFileSync(path, 'account_id,when,amount,description\nacc-9,2026-03-01,-1.00,COFFEE\n');

    const outcome = await importFile(org, path);

    expect(outcome).toMatchObject({ kind: 'refused', lineNumber: 1 });
    if (outcome.kind !== 'refused') return;
    expect(outcome.reason).toMatch(
      /lacks the column date; its header has "account_id", "when", "amount", "description"/,
    );
    const failed = await eventually(async () => {
      const answer = await job(org, outcome.jobId);
      expect(answer.body.status).toBe('failed');
      return answer.body;
    });
    expect(failed.failure.reason).toContain('lacks the column date');
    expect((await flow.call(org, 'GET', '/v1/accounts/acc-9')).status).toBe(404);
  });

  it('when a Latin-1, semicolon-delimited file is put into the data-delivery bucket, then it is imported as a job whose report only its organization can download', async () => {
    const org = uniqueName('org');
    const file = Buffer.from(
      [
        'account_id;date;amount;currency;description',
        'acc-7;2026-04-01;-8.50;EUR;CAF\xc9 CR\xc8ME',
        'acc-7;2026-04-01;-8,50;EUR;DECIMAL COMMA',
        'acc-7;2026-04-02;-3.00;EUR;BOULANGERIE',
        '=cmd|calc;2026-04-02;-1.00;EUR;X',
      ].join('\r\n'),
      'latin1',
    );
    await imports.aws.s3.send(
      new PutObjectCommand({
        Bucket: imports.config.imports.bucket,
        Key: incomingKey(org, 'transactions', 'april.csv'),
        Body: file,
      }),
    );

    const [completed] = await eventually(
      async () => {
        const response = await imports.app.inject({
          url: '/v1/imports?kind=transactions',
          headers: await bearer(backbone, { organizationId: org, scopes: ['imports:read'] }),
        });
        const jobs = response.json().jobs as { status: string; jobId: string }[];
        expect(jobs.map((j) => j.status)).toEqual(['completed']);
        return jobs;
      },
      { timeoutMs: 30_000 },
    );
    const body = (await job(org, completed!.jobId)).body;
    expect(body).toMatchObject({
      source: 'bucket',
      fileName: 'april.csv',
      report: `/v1/imports/${completed!.jobId}/report`,
    });
    expect(
      Object.fromEntries(body.counts.map((c: { name: string; value: number }) => [c.name, c.value])),
    ).toMatchObject({
      read: 4,
      accepted: 2,
      rejected: 2,
    });
    const report = await imports.app.inject({
      url: body.report,
      headers: await bearer(backbone, { organizationId: org, scopes: ['imports:read'] }),
    });
    expect(report.statusCode).toBe(200);
    expect(report.body.split('\n').map((row) => row.split(',').slice(0, 2).join(','))).toEqual([
      'line_number,column',
      '3,amount',
      '5,account_id',
      '',
    ]);
    const stranger = await imports.app.inject({
      url: body.report,
      headers: await bearer(backbone, { organizationId: uniqueName('other-org'), scopes: ['imports:read'] }),
    });
    expect(stranger.statusCode).toBe(404);
    const transactions = await eventually(async () => {
      const items = await transactionsOf(org, 'acc-7');
      expect(items).toHaveLength(2);
      return items;
    });
    expect(transactions.map((t) => [t.description, t.amountMinor])).toEqual([
      ['BOULANGERIE', -300],
      ['CAFÉ CRÈME', -850],
    ]);
  });

  it('when a file is uploaded over HTTP, then it runs as a job of the caller organization, an unknown kind is a 404, and listing by one is a 400 naming the kinds', async () => {
    const org = uniqueName('org');
    const headers = { ...(await bearer(backbone, { organizationId: org, scopes: ['imports:read', 'imports:write'] })) };

    const accepted = await imports.app.inject({
      method: 'POST',
      url: '/v1/imports?kind=transactions&fileName=http.csv',
      headers: { ...headers, 'content-type': 'text/csv' },
      payload: 'account_id,date,amount,description\nacc-h,2026-05-01,-9.99,CORNER COFFEE\n',
    });
    const unknown = await imports.app.inject({
      method: 'POST',
      url: '/v1/imports?kind=payroll',
      headers: { ...headers, 'content-type': 'text/csv' },
      payload: 'a\n1\n',
    });

    expect(accepted.statusCode, accepted.body).toBe(202);
    expect(accepted.headers.location).toBe(`/v1/imports/${accepted.json().jobId}`);
    expect(unknown.statusCode).toBe(404);
    const listed = await imports.app.inject({ method: 'GET', url: '/v1/imports?kind=payroll', headers });
    expect(listed.statusCode, listed.body).toBe(400);
    expect(listed.json().errors).toEqual([
      { field: 'querystring.kind', problem: expect.stringMatching(/^must be one of: .*transactions/) },
    ]);
    const done = await eventually(
      async () => {
        const answer = await job(org, accepted.json().jobId);
        expect(answer.body.status).toBe('completed');
        return answer.body;
      },
      { timeoutMs: 30_000 },
    );
    expect(done).toMatchObject({ source: 'bucket', fileName: 'http.csv', requestedBy: 'user-1' });
  });
});
