/**
 * A problem the person running Tributary can fix (bad configuration, a port in use, an unknown
 * name): the CLI prints its message alone, without a stack trace.
 */
export class OperatorError extends Error {
  override name = 'OperatorError';
}
