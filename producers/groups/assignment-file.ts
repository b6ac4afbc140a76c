import { parse } from 'csv-parse/sync';
import { TributaryError } from '../../infra/errors.ts';

/** The columns every assignment file has, in any order. */
export const ASSIGNMENT_COLUMNS = ['member_id', 'group_id', 'action'] as const;

const ORDERS = [
  [0, 1, 2],
  [0, 2, 1],
  [1, 0, 2],
  [1, 2, 0],
  [2, 0, 1],
  [2, 1, 0],
].map((order) => order.map((i) => ASSIGNMENT_COLUMNS[i]).join(','));

/**
 * The header rule as a pattern on the whole file (the OpenAPI document states it): an optional
 * byte-order mark, then exactly the three column names, unquoted, in any order, then a line end or
 * the end of the file.
 */
export const ASSIGNMENT_FILE_PATTERN = `^\\uFEFF?(${ORDERS.join('|')})(\\r?\\n|$)`;
const HEADER = new RegExp(ASSIGNMENT_FILE_PATTERN);

/** Same rule as group and member ids everywhere: the organization's own keys. */
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

export interface AssignmentLine {
  readonly lineNumber: number;
  readonly memberId: string;
  readonly groupId: string;
  readonly action: 'add' | 'remove';
}

export interface RejectedLine {
  readonly lineNumber: number;
  readonly memberId: string | null;
  readonly reason: string;
}

export interface AssignmentFile {
  readonly lines: AssignmentLine[];
  readonly rejected: RejectedLine[];
  /** Data lines read (records, header and blank lines excluded), good and bad. */
  readonly totalLines: number;
}

export class AssignmentFileError extends TributaryError {
  override readonly name = 'AssignmentFileError';
}

export const wrongColumns = (firstLine: string) =>
  new AssignmentFileError({
    status: 400,
    code: 'wrong_columns',
    title: 'The file does not have the assignment columns',
    detail: `the first line must name the columns ${ASSIGNMENT_COLUMNS.join(', ')} (in any order, nothing else); it is: ${JSON.stringify(firstLine.slice(0, 200))}`,
    errors: [{ field: 'body', problem: `header must be ${ASSIGNMENT_COLUMNS.join(',')} in any order` }],
  });

/**
 * Reads an assignment CSV with csv-parse. A file whose header is not the three columns is refused
 * whole; after that every record is either a line to apply or a rejected line with its number and
 * reason (wrong field count, a malformed quote, a bad id or action), and good lines go on.
 */
export function readAssignmentFile(text: string): AssignmentFile {
  if (!HEADER.test(text)) throw wrongColumns(text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '');
  const rejected = new Map<number, RejectedLine>();
  const records = parse(text, {
    bom: true,
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (error) => {
      const lineNumber = Number(error?.lines ?? 0);
      if (!rejected.has(lineNumber))
        rejected.set(lineNumber, {
          lineNumber,
          memberId: null,
          reason: `malformed CSV: ${error?.message ?? 'unreadable'}`,
        });
    },
  }) as unknown as { record: string[]; info: { lines: number } }[];
  const [header, ...rows] = records;
  const column = (name: (typeof ASSIGNMENT_COLUMNS)[number]) => header!.record.indexOf(name);
  const at = { memberId: column('member_id'), groupId: column('group_id'), action: column('action') };
  const lines: AssignmentLine[] = [];
  for (const { record, info } of rows) {
    const lineNumber = info.lines;
    const memberId = (record[at.memberId] ?? '').trim();
    const reject = (reason: string) =>
      rejected.set(lineNumber, { lineNumber, memberId: ID.test(memberId) ? memberId : null, reason });
    if (record.length !== ASSIGNMENT_COLUMNS.length) {
      reject(`${record.length} field(s); expected ${ASSIGNMENT_COLUMNS.length}`);
      continue;
    }
    const groupId = (record[at.groupId] ?? '').trim();
    const action = (record[at.action] ?? '').trim().toLowerCase();
    if (!ID.test(memberId)) reject('member_id is not a valid member id');
    else if (!ID.test(groupId)) reject('group_id is not a valid group id');
    else if (action !== 'add' && action !== 'remove') reject('action must be add or remove');
    else lines.push({ lineNumber, memberId, groupId, action });
  }
  return {
    lines,
    rejected: [...rejected.values()].sort((a, b) => a.lineNumber - b.lineNumber),
    totalLines: lines.length + rejected.size,
  };
}
