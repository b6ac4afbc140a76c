import { describe, expect, it } from 'vitest';
import { readAssignmentFile } from './assignment-file.ts';

describe('reading an assignment file', () => {
  it('when the columns come in another order with a BOM and CRLF, then each line is read with its line number', () => {
    const file = readAssignmentFile('\uFEFFaction,group_id,member_id\r\nadd,g-1,m-1\r\n\r\nREMOVE, g-2 ,m-2\r\n');
    expect(file.lines).toEqual([
      { lineNumber: 2, memberId: 'm-1', groupId: 'g-1', action: 'add' },
      { lineNumber: 4, memberId: 'm-2', groupId: 'g-2', action: 'remove' },
    ]);
    expect(file).toMatchObject({ rejected: [], totalLines: 2 });
  });

  it('when the header lacks a column, names another or is quoted, then the whole file is refused', () => {
    for (const header of [
      'member_id,group_id',
      'member_id,group,action',
      'member_id,group_id,action,note',
      '"member_id",group_id,action',
    ])
      expect(() => readAssignmentFile(`${header}\nm-1,g-1,add\n`), header).toThrow(
        expect.objectContaining({ status: 400, code: 'wrong_columns' }),
      );
  });

  it('when some lines are bad, then each is reported with its line number and reason and the good ones go on', () => {
    const file = readAssignmentFile(
      [
        'member_id,group_id,action',
        'm-1,g-1,add',
        'm-2,g-1',
        'm 3,g-1,add',
        'm-4,g-1,move',
        'm-5,g-1,add,extra',
        'm-6,"g"1",add',
        'm-7,g-2,remove',
      ].join('\n'),
    );
    expect(file.lines.map((l) => l.lineNumber)).toEqual([2, 8]);
    expect(file.rejected).toEqual([
      { lineNumber: 3, memberId: 'm-2', reason: '2 field(s); expected 3' },
      { lineNumber: 4, memberId: null, reason: 'member_id is not a valid member id' },
      { lineNumber: 5, memberId: 'm-4', reason: 'action must be add or remove' },
      { lineNumber: 6, memberId: 'm-5', reason: '4 field(s); expected 3' },
      { lineNumber: 7, memberId: null, reason: expect.stringMatching(/^malformed CSV: Invalid Closing Quote/) },
    ]);
    expect(file.totalLines).toBe(7);
  });

  it('when the file is only a header, then there is nothing to do', () => {
    expect(readAssignmentFile('member_id,group_id,action')).toEqual({ lines: [], rejected: [], totalLines: 0 });
  });
});
