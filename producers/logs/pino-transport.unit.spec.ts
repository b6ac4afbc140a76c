import { describe, expect, it } from 'vitest';
import { checkTransportOptions } from './pino-transport.ts';

describe('the pino transport’s options', () => {
  it('when organization, log type or environment is missing, then it refuses to start naming them', () => {
    expect(() => checkTransportOptions({ logType: 'app' })).toThrow(/organizationId, environment/);
    expect(() => checkTransportOptions(undefined)).toThrow(/organizationId, logType, environment/);
  });

  it('when the log type is not one of the lake’s, then it refuses to start', () => {
    expect(() => checkTransportOptions({ organizationId: 'o', environment: 'dev', logType: 'nope' as 'app' })).toThrow(
      /logType must be one of/,
    );
  });

  it('when the three are given, then the options are taken', () => {
    const options = { organizationId: 'o', environment: 'dev', logType: 'app' as const };
    expect(checkTransportOptions(options)).toEqual(options);
  });
});
