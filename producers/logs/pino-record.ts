import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { LogLevel, LogType } from '../../schemas/generated/events.ts';
import type { EventOf } from '../../schemas/generated/events.ts';

export const LOG_TYPE_NAMES: readonly LogType[] = ['web', 'app', 'agw', 'hub', 'connector', 'container', 'crash'];

/** What a shipper stamps on entries whose record does not say it itself (seed 004 requires all three). */
export interface ShippingDefaults {
  readonly organizationId: string;
  readonly logType: LogType;
  readonly environment: string;
  /** The `server` of entries whose record names none (default: the host name). */
  readonly server?: string;
}

/** A pino record, as its JSON line parses: level number, time, msg, bindings and fields. */
export type PinoRecord = Readonly<Record<string, unknown>>;

/** A binding that keeps a logger's records out of the lake: the lake's own logs would otherwise ship themselves forever. */
export const NOT_SHIPPED = { ship: false } as const;

const LEVELS: Readonly<Record<number, LogLevel>> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/** A detail value longer than this is cut: one chatty field must not make the entry too large for its topic. */
const MAX_DETAIL_CHARS = 4096;
const MAX_MESSAGE_CHARS = 16_384;

/** Fields the entry has columns for, or pino's own; the rest go to the step's detail. */
const RESERVED = new Set([
  'level',
  'time',
  'msg',
  'pid',
  'hostname',
  'name',
  'organizationId',
  'logType',
  'environment',
  'server',
  'correlationId',
  'transactionId',
  'reqId',
  'events',
  'action',
  'caller',
  'success',
  'stepType',
  'ship',
]);

/** Why a record cannot become an entry: which field, what is wrong. */
export class UnshippableRecordError extends Error {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`log record field ${field} ${problem}`);
  }
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined;

function clip(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max)}…[${value.length - max} more]` : value;
}

function detailOf(record: PinoRecord): Record<string, string> | null {
  const detail: Record<string, string> = {};
  for (const [key, value] of Object.entries(record)) {
    if (RESERVED.has(key) || value === undefined) continue;
    detail[key] = clip(typeof value === 'string' ? value : JSON.stringify(value), MAX_DETAIL_CHARS);
  }
  return Object.keys(detail).length > 0 ? detail : null;
}

/**
 * The LogEntry a pino record becomes: organization, log type and environment from the record's
 * own fields (a child logger per tenant binds `organizationId`) or else the defaults; the level
 * by pino's name; the message; one timeline step holding the record's other fields as detail (or
 * the record's own `events`, when it logs a whole timeline). The event id is derived from the
 * record's text, so a line shipped twice is the same event.
 */
export function logEntryOf(record: PinoRecord, defaults: ShippingDefaults, line?: string): EventOf<'LogEntry'> {
  const organizationId = text(record.organizationId) ?? defaults.organizationId;
  const environment = text(record.environment) ?? defaults.environment;
  const logType = (text(record.logType) ?? defaults.logType) as LogType;
  if (!organizationId) throw new UnshippableRecordError('organizationId', 'is required');
  if (!environment) throw new UnshippableRecordError('environment', 'is required');
  if (!LOG_TYPE_NAMES.includes(logType))
    throw new UnshippableRecordError('logType', `must be one of ${LOG_TYPE_NAMES.join(', ')} (got ${logType})`);
  const time = typeof record.time === 'number' || typeof record.time === 'string' ? new Date(record.time) : new Date();
  const occurredAt = Number.isNaN(time.getTime()) ? new Date() : time;
  const level = typeof record.level === 'number' ? (LEVELS[record.level] ?? null) : null;
  const server = text(record.server) ?? text(record.name) ?? defaults.server ?? text(record.hostname) ?? hostname();
  const correlationId = text(record.correlationId) ?? text(record.transactionId) ?? text(record.reqId) ?? randomUUID();
  const message = text(record.msg) ?? null;
  const failed = typeof record.level === 'number' && record.level >= 50;
  const events = Array.isArray(record.events)
    ? (record.events as EventOf<'LogEntry'>['payload']['events'][number][]).map((step) => ({
        ...step,
        time: new Date(step.time),
      }))
    : [
        {
          action: text(record.action) ?? level ?? 'log',
          description: clip(message ?? '', MAX_MESSAGE_CHARS),
          detail: detailOf(record),
          caller: text(record.caller) ?? null,
          server,
          success: typeof record.success === 'boolean' ? record.success : !failed,
          time: occurredAt,
          transactionId: correlationId,
          type: text(record.stepType) ?? 'log',
        },
      ];
  const eventId = line === undefined ? randomUUID() : uuidOfText(line);
  return {
    type: 'LogEntry',
    metadata: {
      eventId,
      occurredAt,
      organizationId,
      environment,
      correlationId,
      causationId: null,
      actor: null,
    },
    payload: {
      organizationId,
      logType,
      environment,
      server,
      level,
      message: message === null ? null : clip(message, MAX_MESSAGE_CHARS),
      events,
    },
  };
}

/** A UUID (version 4 layout) from a hash of the text: the same line is the same event id. */
function uuidOfText(line: string): string {
  const hex = createHash('sha256').update(line).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
