import { describe, expect, it } from 'vitest';
import { LogShipper } from './log-shipper.ts';
import { logEntryOf, UnshippableRecordError } from './pino-record.ts';

const defaults = { organizationId: 'org-1', logType: 'app', environment: 'dev' } as const;
const record = {
  level: 50,
  time: Date.UTC(2026, 10, 22, 10, 5),
  pid: 1,
  hostname: 'h',
  name: 'dspapp',
  msg: 'connector failed',
  correlationId: 'tx-1',
  route: '/accounts',
  err: { type: 'Error', message: 'boom' },
};

describe('logEntryOf (a pino record as a LogEntry)', () => {
  it('when a record has no partition fields of its own, then the defaults are stamped and its fields become the step’s detail', () => {
    const entry = logEntryOf(record, defaults);

    expect(entry.payload).toMatchObject({
      organizationId: 'org-1',
      logType: 'app',
      environment: 'dev',
      server: 'dspapp',
      level: 'error',
      message: 'connector failed',
    });
    expect(entry.metadata.occurredAt.toISOString()).toBe('2026-11-22T10:05:00.000Z');
    expect(entry.metadata.correlationId).toBe('tx-1');
    expect(entry.payload.events).toEqual([
      {
        action: 'error',
        description: 'connector failed',
        detail: { route: '/accounts', err: '{"type":"Error","message":"boom"}' },
        caller: null,
        server: 'dspapp',
        success: false,
        time: entry.metadata.occurredAt,
        transactionId: 'tx-1',
        type: 'log',
      },
    ]);
  });

  it('when a child logger binds another organization and type, then the record’s own win', () => {
    const entry = logEntryOf({ ...record, organizationId: 'org-2', logType: 'crash' }, defaults);
    expect(entry.payload).toMatchObject({ organizationId: 'org-2', logType: 'crash' });
    expect(entry.metadata.organizationId).toBe('org-2');
  });

  it('when the log type is not one of the lake’s, then the record is refused naming logType', () => {
    expect(() => logEntryOf({ ...record, logType: 'nonsense' }, defaults)).toThrow(UnshippableRecordError);
    expect(() => logEntryOf({ ...record, logType: 'nonsense' }, defaults)).toThrow(/logType/);
  });

  it('when the same line is shipped twice, then it is the same event id', () => {
    const line = JSON.stringify(record);
    expect(logEntryOf(record, defaults, line).metadata.eventId).toBe(
      logEntryOf(record, defaults, line).metadata.eventId,
    );
  });
});

describe('LogShipper', () => {
  it('when records come below the level, bound with ship: false, or not JSON, then they are not shipped', () => {
    const shipper = new LogShipper({ ...defaults, minLevel: 30 });
    shipper.write(
      [
        JSON.stringify({ level: 20, msg: 'debug' }),
        JSON.stringify({ level: 30, msg: 'lake file stored', ship: false }),
        'not json',
        JSON.stringify({ level: 30, msg: 'kept' }),
      ].join('\n'),
    );
    expect(shipper.stats.unshippable).toBe(1);
    expect((shipper as unknown as { buffer: unknown[] }).buffer).toHaveLength(1);
  });

  it('when the buffer is full before a publisher is attached, then the oldest go and are counted', () => {
    const shipper = new LogShipper({ ...defaults, maxBuffered: 2 });
    for (let i = 0; i < 5; i += 1) shipper.take({ level: 30, msg: `m${i}` });
    expect(shipper.stats.dropped).toBe(3);
  });

  it('when the shipper is made without an organization, then it refuses to start', () => {
    expect(() => new LogShipper({ ...defaults, organizationId: '' })).toThrow(/organization/);
  });
});
