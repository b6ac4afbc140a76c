import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REJECTED_SAMPLE, RejectionReport } from './report.ts';

describe('RejectionReport', () => {
  it('when a cell starts with =, +, - or @, then the report escapes it so a spreadsheet shows it as text', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'report-spec-')), 'file.csv.rejected.csv');
    const report = new RejectionReport();
    report.add({ lineNumber: 2, column: '=cmd|calc', reason: '=HYPERLINK("http://evil.example")' });
    report.add({ lineNumber: 3, column: null, reason: 'has 2 cells, where the header has 3' });

    expect(await report.finish({ kind: 'file', path })).toBe(path);

    expect(readFileSync(path, 'utf8')).toBe(
      `line_number,column,reason\n2,'=cmd|calc,"'=HYPERLINK(""http://evil.example"")"\n3,,"has 2 cells, where the header has 3"\n`,
    );
  });

  it('when no line was rejected, then there is no report', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'report-spec-')), 'none.csv');
    expect(await new RejectionReport().finish({ kind: 'file', path })).toBeNull();
  });

  it('when many lines are rejected, then all are counted and the first ones kept as a sample', async () => {
    const report = new RejectionReport();
    for (let line = 2; line < 2 + REJECTED_SAMPLE + 50; line += 1)
      report.add({ lineNumber: line, column: 'amount', reason: 'bad' });
    expect(report.count).toBe(REJECTED_SAMPLE + 50);
    expect(report.sample).toHaveLength(REJECTED_SAMPLE);
    expect(report.sample[0]!.lineNumber).toBe(2);
    await report.discard();
  });
});
