import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOT_UTF8 } from '../../producers/csv/csv-records.ts';
import { runImport, type ImportOutcome } from '../../producers/imports/run-import.ts';
import { SLICES } from '../../slices/index.ts';
import { bearer } from '../support/api.ts';
import { isolatedBackbone, type Backbone } from '../support/backbone.ts';
import { badFilesOf, BROKEN_LINE } from '../support/bad-input/bad-files.ts';
import { eventually } from '../support/eventually.ts';
import { startImportsPlatform, type ImportsPlatform } from '../support/imports.ts';
import { uniqueName } from '../support/platform.ts';

/** Longer than any importer's largest record (1 MiB for transactions, 64 KiB for groups). */
const HUGE = 1024 * 1024;
const importing = SLICES.filter((slice) => slice.importers.length > 0);
const folder = mkdtempSync(join(tmpdir(), 'tributary-bad-csv-'));

let backbone: Backbone;
let imports: ImportsPlatform;

beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 1 });
  imports = await startImportsPlatform(backbone, importing);
}, 120_000);
afterAll(async () => {
  await imports?.stop();
  await backbone?.close();
});

/** What `tributary import <kind> <file>` does, with the report beside the file. */
async function importBytes(kind: string, organizationId: string, bytes: Buffer) {
  const slice = importing.find((s) => s.importers.some((i) => i.kind === kind))!;
  const importer = slice.importers.find((i) => i.kind === kind)!;
  const report = join(folder, `${uniqueName(kind)}.rejected.csv`);
  const outcome = await runImport(
    importer,
    {
      source: 'cli',
      organizationId,
      requestedBy: 'ops@test',
      fileName: `${kind}.csv`,
      objectKey: null,
      sizeBytes: bytes.length,
      open: () => Readable.from([bytes]),
    },
    imports.dependencies(slice, report),
  );
  const rows = existsSync(report) ? (parse(readFileSync(report), { columns: true }) as ReportRow[]) : [];
  return { outcome, rows };
}

interface ReportRow {
  readonly line_number: string;
  readonly column: string;
  readonly reason: string;
}

const count = (outcome: ImportOutcome, name: string) =>
  outcome.kind === 'completed' ? outcome.summary.counts.find((c) => c.name === name)?.value : undefined;

describe('bad CSV files for every importer kind', () => {
  const kinds = importing.flatMap((slice) => slice.importers.map((importer) => importer.kind));

  it('when the list of importers is read, then every kind is probed here', () => {
    expect(kinds).toEqual(expect.arrayContaining(['transactions', 'groups']));
  });

  for (const kind of kinds)
    it(`when ${kind} files have wrong columns, bytes that are not UTF-8, UTF-16, a huge line or formula cells, then each gets its clear refusal or rejected lines (the report escaping formulas), and the good file imported before is unchanged`, async () => {
      const importer = importing.flatMap((slice) => slice.importers).find((i) => i.kind === kind)!;
      const organizationId = uniqueName('org-csv');
      const chunks: Buffer[] = [];
      for await (const chunk of importer.sample!(4, 7)) chunks.push(Buffer.from(chunk));
      const good = Buffer.concat(chunks);
      const first = await importBytes(kind, organizationId, good);
      expect(first.outcome.kind).toBe('completed');
      const headers = await bearer(backbone, { organizationId, scopes: ['imports:read'] });
      const readJob = async () =>
        (await imports.app.inject({ url: `/v1/imports/${first.outcome.jobId}`, headers })).json();
      // The job as its read model has it once it has applied the completion.
      const before = await eventually(async () => {
        const job = await readJob();
        expect(job.status).toBe('completed');
        return job;
      });
      const lines = good.toString('utf8').split(/\r?\n/).filter(Boolean).length - 1;
      const [wrongColumns, notUtf8, utf16, huge, formulas] = badFilesOf(good.toString('utf8'), HUGE);

      const refusedColumns = (await importBytes(kind, organizationId, wrongColumns!.bytes)).outcome;
      expect(refusedColumns).toMatchObject({ kind: 'refused', lineNumber: 1 });
      expect(refusedColumns.kind === 'refused' && refusedColumns.reason).toMatch(/wrong.*columns.*entirely/);

      const broken = await importBytes(kind, organizationId, notUtf8!.bytes);
      expect(broken.outcome.kind).toBe('completed');
      expect(broken.rows).toContainEqual({ line_number: String(BROKEN_LINE), column: '', reason: NOT_UTF8 });
      expect(broken.rows.filter((row) => /\uFFFD/.test(row.reason))).toEqual([]);

      expect((await importBytes(kind, organizationId, utf16!.bytes)).outcome).toMatchObject({
        kind: 'refused',
        lineNumber: 1,
        reason: expect.stringMatching(/^the file is UTF-16; save it as UTF-8/),
      });

      // Every line after the huge one is read too: none is lost behind it.
      const long = await importBytes(kind, organizationId, huge!.bytes);
      expect(count(long.outcome, 'read')).toBe(lines + 1);
      expect(long.rows).toContainEqual({
        line_number: '3',
        column: '',
        reason: expect.stringMatching(/^the line is longer than \d+ bytes, the largest record accepted$/),
      });

      const injected = await importBytes(kind, organizationId, formulas!.bytes);
      expect(count(injected.outcome, 'accepted')).toBe(0);
      expect(injected.rows.length).toBeGreaterThan(0);
      for (const row of injected.rows)
        for (const cell of Object.values(row))
          expect(cell, JSON.stringify(row)).not.toMatch(/^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/);

      expect(await readJob()).toEqual(before);
      expect((await importBytes(kind, organizationId, good)).outcome.kind).toBe('already-imported');
    });
});
