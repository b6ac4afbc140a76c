import { TributaryError } from '../../infra/errors.ts';

/** The columns every assignment file has, in any order. */
export const ASSIGNMENT_COLUMNS = ['member_id', 'group_id', 'action'] as const;
export type AssignmentColumn = (typeof ASSIGNMENT_COLUMNS)[number];

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
  /** The column at fault, when one is. */
  readonly column: AssignmentColumn | null;
  readonly reason: string;
}

export class AssignmentFileError extends TributaryError {
  override readonly name = 'AssignmentFileError';
}

/** Why a file's first line is not the assignment header, or undefined when it is. */
export function headerProblem(text: string): string | undefined {
  if (HEADER.test(text)) return undefined;
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  return `the first line must name the columns ${ASSIGNMENT_COLUMNS.join(', ')} (in any order, unquoted, nothing else); it is: ${JSON.stringify(firstLine.slice(0, 200))}`;
}

export const wrongColumns = (problem: string) =>
  new AssignmentFileError({
    status: 400,
    code: 'wrong_columns',
    title: 'The file does not have the assignment columns',
    detail: problem,
    errors: [{ field: 'body', problem: `header must be ${ASSIGNMENT_COLUMNS.join(',')} in any order` }],
  });

/** Where each column is in the file's records, from its header record. */
export type ColumnIndex = Readonly<Record<AssignmentColumn, number>>;

export function columnIndexOf(header: readonly string[]): ColumnIndex {
  const index = (name: AssignmentColumn) => header.indexOf(name);
  return { member_id: index('member_id'), group_id: index('group_id'), action: index('action') };
}

/** One data record as a line to apply, or as a rejected line with its reason (wrong field count, a bad id or action). */
export function lineOf(
  record: readonly string[],
  at: ColumnIndex,
  lineNumber: number,
): { line: AssignmentLine } | { rejected: RejectedLine } {
  const memberId = (record[at.member_id] ?? '').trim();
  if (record.length !== ASSIGNMENT_COLUMNS.length)
    return rejectedLine(lineNumber, memberId, null, `${record.length} field(s); expected ${ASSIGNMENT_COLUMNS.length}`);
  const groupId = (record[at.group_id] ?? '').trim();
  const action = (record[at.action] ?? '').trim().toLowerCase();
  if (!ID.test(memberId)) return rejectedLine(lineNumber, memberId, 'member_id', 'member_id is not a valid member id');
  if (!ID.test(groupId)) return rejectedLine(lineNumber, memberId, 'group_id', 'group_id is not a valid group id');
  if (action !== 'add' && action !== 'remove')
    return rejectedLine(lineNumber, memberId, 'action', 'action must be add or remove');
  return { line: { lineNumber, memberId, groupId, action } };
}

// A function of its own, not a closure per line: a million lines made a million closures (a tenth of the parsing's time).
function rejectedLine(lineNumber: number, memberId: string, column: AssignmentColumn | null, reason: string) {
  return { rejected: { lineNumber, memberId: ID.test(memberId) ? memberId : null, column, reason } };
}
