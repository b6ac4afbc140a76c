/** How a CSV file's bytes are to be read: detected from its start, or as configured. */
export interface CsvDialect {
  readonly encoding: 'utf-8' | 'latin1';
  readonly delimiter: string;
  /** Whether the file starts with a UTF-8 byte-order mark (skipped). */
  readonly bom: boolean;
}

const DELIMITERS = { comma: ',', semicolon: ';', tab: '\t', pipe: '|' } as const;
export type DelimiterName = keyof typeof DELIMITERS;

/**
 * Reads the dialect from the file's first bytes: a UTF-8 BOM, or bytes that decode as UTF-8,
 * mean UTF-8, anything else Latin-1 (Windows exports); the delimiter is whichever of comma,
 * semicolon, tab and pipe the header line holds most outside quotes. A UTF-16 file is refused:
 * its BOM says so, and it would otherwise read as garbage.
 */
export function sniffDialect(
  head: Buffer,
  configured: { readonly encoding: 'auto' | 'utf-8' | 'latin1'; readonly delimiter: 'auto' | DelimiterName },
): CsvDialect | { readonly problem: string } {
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))
    return { problem: 'the file is UTF-16; save it as UTF-8 (or Latin-1)' };
  const bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
  const encoding = configured.encoding !== 'auto' ? configured.encoding : bom || readsAsUtf8(head) ? 'utf-8' : 'latin1';
  const text = head.subarray(bom ? 3 : 0).toString(encoding === 'utf-8' ? 'utf8' : 'latin1');
  const delimiter =
    configured.delimiter !== 'auto' ? DELIMITERS[configured.delimiter] : mostUsedDelimiter(firstLine(text));
  return { encoding, delimiter, bom };
}

/**
 * Whether the bytes read as UTF-8: valid (a sequence cut at the end allowed: the head is a prefix),
 * or with more well-formed multi-byte sequences than bytes that fit none. Latin-1 text almost never
 * forms a UTF-8 sequence (`é` then a letter does not), while a UTF-8 export with one corrupt line
 * read as Latin-1 turned every `É` of the file into `Ã\x89` without a word; read as UTF-8, the
 * corrupt line alone is rejected.
 */
export function readsAsUtf8(bytes: Buffer): boolean {
  let sequences = 0;
  let strays = 0;
  for (let i = 0; i < bytes.length;) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    const length =
      lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    let whole = length > 0;
    const present = Math.min(length, bytes.length - i);
    for (let k = 1; whole && k < present; k += 1) whole = (bytes[i + k]! & 0xc0) === 0x80;
    if (whole && present < length) break; // a sequence cut at the end of the head
    if (whole) {
      sequences += 1;
      i += length;
    } else {
      strays += 1;
      i += 1;
    }
  }
  return strays === 0 || sequences > strays;
}

/**
 * The delimiter of a file whose first line (the header) is `line` (its bytes read as Latin-1: the
 * delimiters are ASCII in either encoding), as sniffDialect decides it: the configured one, or the
 * one the header holds most.
 */
export function delimiterOfHeader(line: string, configured: 'auto' | DelimiterName): string {
  return configured !== 'auto' ? DELIMITERS[configured] : mostUsedDelimiter(firstLine(line));
}

/** The first line, up to a line break outside quotes. */
function firstLine(text: string): string {
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) return text.slice(0, i);
  }
  return text;
}

function mostUsedDelimiter(line: string): string {
  const counts = new Map<string, number>(Object.values(DELIMITERS).map((d) => [d, 0]));
  let quoted = false;
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && counts.has(c)) counts.set(c, counts.get(c)! + 1);
  }
  let best = ',';
  for (const [delimiter, count] of counts) if (count > counts.get(best)!) best = delimiter;
  return best;
}
