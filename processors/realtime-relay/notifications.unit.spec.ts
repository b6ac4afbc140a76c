import { describe, expect, it } from 'vitest';
import type { AccountBalanceUpdated, LogEntry, MessageSent, ThreadCreated } from '../../schemas/generated/events.ts';
import { realtimeTopicsOf } from '../../slices/index.ts';
import { metadata, messageSent, threadCreated } from '../../test/support/events.ts';
import { derivedEventId } from '../runtime/derived-id.ts';
import { notificationsFor } from './notifications.ts';
import { RealtimeTopics } from './topics.ts';

const topics = realtimeTopicsOf();

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

describe('notificationsFor, by the slices rules', () => {
  it('when an account balance changes, then an account_balanceupdated notification carries the account as a filter and the payload', () => {
    const [notification, ...others] = notificationsFor(balance, topics);
    expect(others).toEqual([]);
    expect(notification!.payload).toEqual({
      topic: 'account_balanceupdated',
      sourceEventId: balance.metadata.eventId,
      sourceType: 'AccountBalanceUpdated',
      filters: { accountId: 'acc-1' },
      data: JSON.stringify(balance.payload),
      audience: [],
    });
    expect(notification!.metadata).toMatchObject({
      eventId: derivedEventId(balance.metadata.eventId, 'notification/account_balanceupdated'),
      causationId: balance.metadata.eventId,
      organizationId: balance.metadata.organizationId,
      correlationId: balance.metadata.correlationId,
    });
  });

  it('when the same event is relayed twice, then the notification ids are the same', () => {
    expect(notificationsFor(balance, topics)[0]!.metadata.eventId).toBe(
      notificationsFor(balance, topics)[0]!.metadata.eventId,
    );
  });

  it('when a message is sent, then message_sent carries the thread; a created thread notifies nobody', () => {
    const thread: ThreadCreated = threadCreated();
    const sent: MessageSent = messageSent(thread.payload.threadId, 'hi');
    expect(notificationsFor(sent, topics).map((n) => n.payload)).toMatchObject([
      { topic: 'message_sent', filters: { threadId: thread.payload.threadId } },
    ]);
    expect(notificationsFor(thread, topics)).toEqual([]);
  });

  it('when a log entry reports an error or a crash, then the relay makes nothing of it: the logs slice raises log_error once per window', () => {
    expect(notificationsFor(logEntry({ logType: 'crash' }), topics)).toEqual([]);
    expect(notificationsFor(logEntry({ level: 'error' }), topics)).toEqual([]);
    expect(topics.get('log_error')?.filterKeys).toEqual(['logType', 'server']);
  });

  it('when one event feeds two topics, then it becomes two notifications with distinct ids', () => {
    const twice = new RealtimeTopics([
      { name: 'a', doc: 'a', filterKeys: [], from: { AccountBalanceUpdated: () => ({}) } },
      {
        name: 'b',
        doc: 'b',
        filterKeys: ['accountId'],
        from: { AccountBalanceUpdated: (e) => ({ accountId: e.payload.accountId }) },
      },
    ]);
    const made = notificationsFor(balance, twice);
    expect(made.map((n) => n.payload.topic)).toEqual(['a', 'b']);
    expect(new Set(made.map((n) => n.metadata.eventId)).size).toBe(2);
  });

  it('when a rule gives a filter key its topic does not declare, then it is refused as a programming error', () => {
    const wrong = new RealtimeTopics([
      {
        name: 'a',
        doc: 'a',
        filterKeys: ['threadId'],
        from: { AccountBalanceUpdated: (e) => ({ accountId: e.payload.accountId }) },
      },
    ]);
    expect(() => notificationsFor(balance, wrong)).toThrow(
      'undeclared filter keys from AccountBalanceUpdated: accountId',
    );
  });
});

describe('RealtimeTopics', () => {
  it('when two slices declare the same topic, then it is refused at start', () => {
    const topic = { name: 'dup', doc: 'x', filterKeys: [], from: {} };
    expect(() => new RealtimeTopics([topic, topic])).toThrow('realtime topic dup is declared twice');
  });

  it('when a subscription names an unknown topic or a filter key its topics lack, then each problem is named', () => {
    expect(topics.problemsWith(['message_sent', 'account_balanceupdated'], ['threadId'])).toEqual([
      'topic "account_balanceupdated" cannot be filtered by "threadId"; its filter keys are: accountId',
    ]);
    expect(topics.problemsWith(['nope'], [])[0]).toMatch(/^unknown topic "nope"; the topics are: .*message_sent/);
    expect(topics.problemsWith(['message_sent'], ['threadId'])).toEqual([]);
  });

  it('when a topic names an audience, then the notification carries it (each subject once); otherwise it is for everyone', () => {
    const message = messageSent('6f1c1e52-8a0a-4a77-9d0e-6b3c8f7a2d91', 'hi');

    const [sent] = notificationsFor(message, topics);
    const [counted] = notificationsFor(balance, topics);

    expect(sent!.payload.audience).toEqual(['user-2', 'user-1']);
    expect(counted!.payload.audience).toEqual([]);
  });
});
