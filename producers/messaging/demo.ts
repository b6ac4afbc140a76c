import { derivedEventId } from '../../processors/runtime/derived-id.ts';
import type { EventMetadata, TributaryEvent } from '../../schemas/generated/events.ts';
import type { DemoContext } from '../../slices/slice.ts';

/** A question and its answer, as the people of a credit union's back office write them. */
interface Exchange {
  readonly from: string;
  readonly text: string;
  readonly replyFrom: string;
  readonly reply: string;
}

interface DemoThread {
  readonly name: string;
  readonly subject: string;
  readonly createdBy: string;
  readonly participants: readonly string[];
  readonly script: readonly Exchange[];
}

const THREADS: readonly DemoThread[] = [
  {
    name: 'quarter-close',
    subject: 'Q4 close: reconciliation',
    createdBy: 'alice',
    participants: ['alice', 'bob', 'carol'],
    script: [
      {
        from: 'alice',
        text: 'Where are we on the GL reconciliation?',
        replyFrom: 'bob',
        reply: 'Cash accounts done, 2 suspense items left.',
      },
      {
        from: 'carol',
        text: 'The card settlement file for the 30th arrived late.',
        replyFrom: 'alice',
        reply: 'Post it as of the 30th, note the delay.',
      },
      {
        from: 'bob',
        text: 'Suspense items cleared, one was a duplicate ACH.',
        replyFrom: 'carol',
        reply: 'Great, I will re-run the trial balance.',
      },
      { from: 'alice', text: 'Trial balance ties. Sign-off tomorrow 10:00?', replyFrom: 'bob', reply: 'Works for me.' },
    ],
  },
  {
    name: 'loan-review',
    subject: 'Loan 88-1042: income verification',
    createdBy: 'dave',
    participants: ['dave', 'erin'],
    script: [
      {
        from: 'dave',
        text: 'Pay stubs uploaded, employer letter still missing.',
        replyFrom: 'erin',
        reply: 'I called HR, they will email it today.',
      },
      {
        from: 'erin',
        text: 'Letter received, salary matches the application.',
        replyFrom: 'dave',
        reply: 'Moving it to underwriting.',
      },
      {
        from: 'dave',
        text: 'Underwriting asks for 2 more months of statements.',
        replyFrom: 'erin',
        reply: 'Requested from the member.',
      },
    ],
  },
  {
    name: 'branch-opening',
    subject: 'Eastside branch opening',
    createdBy: 'carol',
    participants: ['carol', 'dave', 'alice'],
    script: [
      {
        from: 'carol',
        text: 'ATM install is booked for Monday.',
        replyFrom: 'dave',
        reply: 'I will be there to let them in.',
      },
      {
        from: 'alice',
        text: 'Cash order for the vault: 250k enough?',
        replyFrom: 'carol',
        reply: 'Make it 300k for the first week.',
      },
    ],
  },
];

/** Ids are derived, so every organization gets threads of its own and a restart finds the same ones. */
const threadIdOf = (organizationId: string, thread: DemoThread) =>
  derivedEventId(`demo-thread/${organizationId}`, thread.name);

/**
 * One round of the messaging demo: in round 1 the threads open; each round one of them gets a
 * question, its reply and a read receipt; now and then someone joins a thread, and later leaves it.
 */
export function messagingDemo(context: DemoContext, metadata: (actor: string) => EventMetadata): TributaryEvent[] {
  const events: TributaryEvent[] = [];
  if (context.round === 1)
    for (const thread of THREADS)
      events.push({
        type: 'ThreadCreated',
        metadata: metadata(thread.createdBy),
        payload: {
          threadId: threadIdOf(context.organizationId, thread),
          subject: thread.subject,
          createdBy: thread.createdBy,
          participants: [...thread.participants],
          scopes: [],
        },
      });
  const thread = THREADS[(context.round - 1) % THREADS.length]!;
  const threadId = threadIdOf(context.organizationId, thread);
  const exchange = thread.script[Math.floor((context.round - 1) / THREADS.length) % thread.script.length]!;
  // frank, the auditor below, takes part in the quarter close from round 5 to round 11 of every 12.
  const frankIn = thread === THREADS[0] && context.round % 12 >= 6 && context.round % 12 <= 11;
  const present = frankIn ? [...thread.participants, 'frank'] : thread.participants;
  const others = (sender: string) => present.filter((p) => p !== sender);
  const question = crypto.randomUUID();
  const answer = crypto.randomUUID();
  events.push(
    {
      type: 'MessageSent',
      metadata: metadata(exchange.from),
      payload: {
        threadId,
        messageId: question,
        senderId: exchange.from,
        body: exchange.text,
        replyToMessageId: null,
        sentAt: context.now,
        recipients: others(exchange.from),
      },
    },
    {
      type: 'MessageSent',
      metadata: metadata(exchange.replyFrom),
      payload: {
        threadId,
        messageId: answer,
        senderId: exchange.replyFrom,
        body: exchange.reply,
        replyToMessageId: question,
        sentAt: context.now,
        recipients: others(exchange.replyFrom),
      },
    },
    {
      type: 'MessageRead',
      metadata: metadata(exchange.from),
      payload: { threadId, messageId: answer, readerId: exchange.from, readAt: context.now },
    },
  );
  // An auditor looks in on the quarter close for a while.
  const quarterClose = threadIdOf(context.organizationId, THREADS[0]!);
  if (context.round % 12 === 5)
    events.push({
      type: 'ParticipantAdded',
      metadata: metadata('alice'),
      payload: { threadId: quarterClose, participantId: 'frank', addedBy: 'alice' },
    });
  if (context.round % 12 === 11)
    events.push({
      type: 'ParticipantRemoved',
      metadata: metadata('frank'),
      payload: { threadId: quarterClose, participantId: 'frank', removedBy: 'frank' },
    });
  return events;
}
