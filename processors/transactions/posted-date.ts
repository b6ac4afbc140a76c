import type { Parsed } from './amount.ts';

const DATE_ONLY: readonly { pattern: RegExp; order: 'ymd' | 'mdy' }[] = [
  { pattern: /^(\d{4})-(\d{1,2})-(\d{1,2})$/, order: 'ymd' },
  { pattern: /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/, order: 'ymd' },
  { pattern: /^(\d{4})(\d{2})(\d{2})$/, order: 'ymd' },
  // US banks' exports put the month first; day-first files are refused on days past 12, never silently swapped.
  { pattern: /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/, order: 'mdy' },
];

// An instant with its offset (ISO 8601 / RFC 3339): a moment, converted to its UTC date.
const INSTANT = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
// A local time without an offset: the date as written (the institution's day), its time dropped.
const LOCAL_TIME = /^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$/;

/**
 * A posting date as YYYY-MM-DD in UTC: ISO dates, `YYYY/MM/DD`, `YYYYMMDD`, US `MM/DD/YYYY`, and
 * instants with an offset (`2026-03-01T23:30:00-05:00` posts on 2026-03-02 UTC). A date that does
 * not exist on the calendar (2026-02-30) is refused.
 */
export function parsePostedDate(raw: string): Parsed<string> {
  const iso = isoDay(raw);
  if (iso !== undefined) return iso;
  const text = raw.trim();
  if (INSTANT.test(text)) {
    // The day as written must exist (a Date rolls 2026-02-30 on to March 2), and so must the UTC day.
    const written = calendarDate(raw, Number(text.slice(0, 4)), Number(text.slice(5, 7)), Number(text.slice(8, 10)));
    if (!written.ok) return written;
    const instant = new Date(text.replace(' ', 'T').replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    if (!Number.isNaN(instant.getTime())) {
      const year = instant.getUTCFullYear();
      if (year < FIRST_YEAR || year > LAST_YEAR) return { ok: false, problem: outOfRange(raw) };
      return { ok: true, value: instant.toISOString().slice(0, 10) };
    }
  }
  const local = LOCAL_TIME.exec(text);
  for (const { pattern, order } of DATE_ONLY) {
    const match = pattern.exec(local ? local[1]! : text);
    if (!match) continue;
    const [a, b, c] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const [year, month, day] = order === 'ymd' ? [a, b, c] : [c, a, b];
    return calendarDate(raw, year, month, day);
  }
  return { ok: false, problem: `"${raw}" is not a date (e.g. 2026-03-01, 03/01/2026, 2026-03-01T10:00:00Z)` };
}

const DASH = 45;

/**
 * `YYYY-MM-DD` exactly, read from its character codes: the form nearly every line of a bank's
 * export has, without the general path's regular expressions (three a line, per line imported).
 * Undefined when the text has another form.
 */
function isoDay(raw: string): Parsed<string> | undefined {
  if (raw.length !== 10 || raw.charCodeAt(4) !== DASH || raw.charCodeAt(7) !== DASH) return undefined;
  const year = digits(raw, 0, 4);
  const month = digits(raw, 5, 7);
  const day = digits(raw, 8, 10);
  if (year < 0 || month < 0 || day < 0) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  if (days === undefined || day < 1 || day > days)
    return { ok: false, problem: `"${raw}" is not a day of the calendar` };
  if (year < FIRST_YEAR) return { ok: false, problem: outOfRange(raw) };
  return { ok: true, value: raw };
}

/** The number the decimal digits from `start` to `end` write, or -1 when one is not a digit. */
function digits(text: string, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i += 1) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The posting years taken: a date outside them is a mistake (a year typed 0026), not history. */
const FIRST_YEAR = 1900;
const LAST_YEAR = 9999;
const outOfRange = (raw: string) => `"${raw}" is outside the posting dates taken (years ${FIRST_YEAR} to ${LAST_YEAR})`;

// Calendar arithmetic rather than a Date and toISOString: this runs for every line imported.
function calendarDate(raw: string, year: number, month: number, day: number): Parsed<string> {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  if (days === undefined || day < 1 || day > days)
    return { ok: false, problem: `"${raw}" is not a day of the calendar` };
  if (year < FIRST_YEAR || year > LAST_YEAR) return { ok: false, problem: outOfRange(raw) };
  return { ok: true, value: `${year}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}` };
}
