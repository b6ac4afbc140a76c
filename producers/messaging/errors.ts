import { TributaryError } from '../../infra/errors.ts';

/** Why a messaging command or read cannot go ahead, in the caller's terms: the code says which rule. */
export class MessagingError extends TributaryError {
  override readonly name = 'MessagingError';
}

const anyOf = (scopes: readonly string[]) =>
  scopes.length === 1 ? `the scope ${scopes[0]!}` : `one of the scopes ${scopes.join(', ')}`;

export const messagingError = {
  threadNotFound: (threadId: string) =>
    new MessagingError({ status: 404, code: 'not_found', title: 'Not found', detail: `no thread ${threadId}` }),
  messageNotFound: (messageId: string) =>
    new MessagingError({
      status: 404,
      code: 'not_found',
      title: 'Not found',
      detail: `no message ${messageId} that you can see in this thread`,
    }),
  participantNotFound: (participantId: string) =>
    new MessagingError({
      status: 404,
      code: 'not_found',
      title: 'Not found',
      detail: `${participantId} does not take part in this thread`,
    }),
  /** The thread is the organization's, but the caller never took part in it (or no longer does, for commands). */
  notParticipant: (threadId: string, formerly: boolean) =>
    new MessagingError({
      status: 403,
      code: 'not_a_participant',
      title: 'Not a participant',
      detail: formerly
        ? `you no longer take part in thread ${threadId}: you can read what was sent while you did, nothing more`
        : `only the participants of thread ${threadId} may read or post in it`,
    }),
  /** A rule of seed 002: configured scopes restrict who may create threads and who may post in them. */
  missingScope: (action: string, scopes: readonly string[]) =>
    new MessagingError({
      status: 403,
      code: 'missing_scope',
      title: 'Not allowed',
      detail: `${action} needs ${anyOf(scopes)}`,
    }),
  removeNotAllowed: (participantId: string) =>
    new MessagingError({
      status: 403,
      code: 'not_allowed',
      title: 'Not allowed',
      detail: `only the thread's creator may remove ${participantId}; a participant may remove only themself`,
    }),
  emptyMessage: () =>
    new MessagingError({
      status: 400,
      code: 'empty_message',
      title: 'The message is empty',
      detail: 'a message needs some text besides spaces and line breaks',
      errors: [{ field: 'body.body', problem: 'must contain a character that is not white space' }],
    }),
  messageTooLarge: (bytes: number, most: number) =>
    new MessagingError({
      status: 413,
      code: 'message_too_large',
      title: 'The message is too large',
      detail: `the message is ${bytes} bytes (UTF-8); at most ${most} are allowed`,
      errors: [{ field: 'body.body', problem: `must be at most ${most} bytes in UTF-8 (got ${bytes})` }],
    }),
};
