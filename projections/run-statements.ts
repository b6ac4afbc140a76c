import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { identifier, type CopyRows, type CopyValue, type Statement } from './statement.ts';

/**
 * From this many rows on, a statement's rows go by COPY: below it, the savepoint and its release
 * cost two round trips more than the one INSERT, for too few rows to win them back.
 */
export const COPY_MIN_ROWS = 64;

const UNIQUE_VIOLATION = '23505';
const SAVEPOINT = 'tributary_copy';

/**
 * Runs a projection's statements in order on `tx` (a transaction, the checkpoint's): those
 * carrying many rows by COPY, falling back to their SQL when a row is already there.
 */
export async function runStatements(tx: pg.PoolClient, statements: readonly Statement[]): Promise<void> {
  for (const statement of statements) {
    if (statement.copy && statement.copy.rows.length >= COPY_MIN_ROWS && (await copied(tx, statement.copy))) continue;
    await tx.query(statement.sql, [...statement.params]);
  }
}

/**
 * COPYs the rows under a savepoint: true when they all went in; false, with the savepoint rolled
 * back, when one collided with a row already there (its statement's SQL then decides). Any other
 * error leaves the transaction failed, as a failed INSERT would.
 */
async function copied(tx: pg.PoolClient, copy: CopyRows): Promise<boolean> {
  await tx.query(`savepoint ${SAVEPOINT}`);
  try {
    const sql = `copy ${identifier(copy.table)} (${copy.columns.map(identifier).join(', ')}) from stdin`;
    await pipeline(Readable.from([copyData(copy.rows)]), tx.query(copyFrom(sql)));
  } catch (error) {
    if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error;
    await tx.query(`rollback to savepoint ${SAVEPOINT}`);
    return false;
  }
  await tx.query(`release savepoint ${SAVEPOINT}`);
  return true;
}

const SPECIAL = /[\\\t\n\r]/;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

const TAB = 0x09;
const NEWLINE = 0x0a;

/**
 * The rows in COPY's text format (tab-separated, `\N` for NULL, backslash escapes), as the bytes
 * sent. Written here rather than through csv-stringify: that measured 5 to 7 times slower per row,
 * as slow as Postgres's whole COPY of them, and this format is Postgres's own, four escapes in all.
 * Each field is written straight into one buffer: a string joined field by field had to be
 * flattened and then encoded again (about 40% more time for 3,000 warehouse rows).
 */
export function copyData(rows: CopyRows['rows']): Buffer {
  let buffer: Buffer = Buffer.allocUnsafe(Math.max(4096, rows.length * 256));
  let at = 0;
  for (const row of rows) {
    for (let column = 0; column < row.length; column += 1) {
      const text = copyField(row[column]!);
      // UTF-8 takes at most 3 bytes per UTF-16 unit; 2 more for the tab and the newline.
      const room = text.length * 3 + 2;
      if (buffer.length - at < room) buffer = grown(buffer, at, room);
      if (column > 0) buffer[at++] = TAB;
      at = writeText(buffer, at, text);
    }
    if (buffer.length - at < 1) buffer = grown(buffer, at, 1);
    buffer[at++] = NEWLINE;
  }
  return buffer.subarray(0, at);
}

/**
 * Writes `text` as UTF-8 at `at`, returning the end. ASCII byte by byte: the fields are short
 * (ids, dates, amounts), and for them a call into Buffer#write cost more than the copying.
 */
function writeText(buffer: Buffer, at: number, text: string): number {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code >= 0x80) return at + buffer.write(text.slice(index), at);
    buffer[at++] = code;
  }
  return at;
}

function grown(buffer: Buffer, used: number, room: number): Buffer {
  const larger = Buffer.allocUnsafe(Math.max(buffer.length * 2, used + room));
  buffer.copy(larger, 0, 0, used);
  return larger;
}

function copyField(value: CopyValue): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return String(value);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'boolean') return value ? 't' : 'f';
  const text = typeof value === 'string' ? value : String(value);
  return SPECIAL.test(text) ? text.replace(/[\\\t\n\r]/g, (special) => ESCAPES[special]!) : text;
}
