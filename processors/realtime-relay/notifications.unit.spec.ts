import { describe, expect, it } from 'vitest';
import type { AccountBalanceUpdated, LogEntry, MessageSent, ThreadCreated } from '../../schemas/generated/events.ts';
import { metadata, messageSent, threadCreated } from '../../test/support/events.ts';
import { derivedEventId } from '../runtime/derived-id.ts';
import { notificationFor } from './notifications.ts';

const balance: AccountBalanceUpdated = {
  type: 'AccountBalanceUpdated',
  metadata: metadata(new Date('2026-11-22T10:00:00Z')),
  payload: {
    accountId: 'acc-1',
    balanceMinor: 12_345,
    availableBalanceMinor: null,
    currency: 'USD',
    asOf: new Date('2026-11-22T10:00:00Z'),
  },
};

function logEntry(overrides: Partial<LogEntry['payload']>): LogEntry {
  return {
    type: 'LogEntry',
    metadata: metadata(),
    payload: {
      organizationId: 'org-test',
      logType: 'web',
      environment: 'test',
      server: 'dspweb',
      level: 'info',
      message: null,
      events: [],
      ...overrides,
    },
  };
}

describe('notificationFor', () => {
  it('when an account balance changes, then an account_balanceupdated notification carries the account and the payload', () => {
    const notification = notificationFor(balance)!;
    expect(notification.payload).toEqual({
      topic: 'account_balanceupdated',
      sourceEventId: balance.metadata.eventId,
      sourceType: 'AccountBalanceUpdated',
      accountId: 'acc-1',
      threadId: null,
      data: JSON.stringify(balance.payload),
    });
    expect(notification.metadata).toMatchObject({
      eventId: derivedEventId(balance.metadata.eventId, 'notification'),
      causationId: balance.metadata.eventId,
      organizationId: balance.metadata.organizationId,
      correlationId: balance.metadata.correlationId,
    });
  });

  it('when the same event is relayed twice, then the notification id is the same', () => {
    expect(notificationFor(balance)!.metadata.eventId).toBe(notificationFor(balance)!.metadata.eventId);
  });

  it('when a message is sent, then message_sent carries the thread; a created thread notifies nobody', () => {
    const thread: ThreadCreated = threadCreated();
    const sent: MessageSent = messageSent(thread.payload.threadId, 'hi');
    expect(notificationFor(sent)?.payload).toMatchObject({ topic: 'message_sent', threadId: thread.payload.threadId });
    expect(notificationFor(thread)).toBeUndefined();
  });

  it('when a log entry reports a failure, a crash or an error level, then log_error; a healthy entry notifies nobody', () => {
    const failedStep = {
      action: 'call',
      description: 'connector timed out',
      detail: null,
      caller: null,
      server: 'dspagw',
      success: false,
      time: new Date(),
      transactionId: 't-1',
      type: 'request',
    };
    expect(notificationFor(logEntry({ events: [failedStep] }))?.payload.topic).toBe('log_error');
    expect(notificationFor(logEntry({ logType: 'crash' }))?.payload.topic).toBe('log_error');
    expect(notificationFor(logEntry({ level: 'error' }))?.payload.topic).toBe('log_error');
    expect(notificationFor(logEntry({}))).toBeUndefined();
  });
});
