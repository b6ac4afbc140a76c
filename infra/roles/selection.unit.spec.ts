import { describe, expect, it } from 'vitest';
import { OperatorError } from '../errors.ts';
import { testConfig } from '../../test/support/platform.ts';
import { SLICES } from '../../slices/index.ts';
import { processorNamesOf, REALTIME_RELAY } from './catalogue.ts';
import { selectParts } from './selection.ts';

const KNOWN = [
  'projection import_jobs',
  'projection attachments',
  'transactions-cleanser',
  REALTIME_RELAY,
  'data-delivery',
];

function failure(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected it to throw');
}

describe('selectParts', () => {
  it('when no role is given, then it runs the API, every processor and the demo', () => {
    expect(selectParts({}, KNOWN)).toEqual({ role: 'all', api: true, processors: KNOWN, demo: true });
  });

  it('when the role is api, then it runs the API alone: no processor, no demo', () => {
    expect(selectParts({ role: 'api' }, KNOWN)).toEqual({ role: 'api', api: true, processors: [], demo: false });
  });

  it('when the role is processors, then it runs every processor without the API or the demo', () => {
    expect(selectParts({ role: 'processors' }, KNOWN)).toEqual({
      role: 'processors',
      api: false,
      processors: KNOWN,
      demo: false,
    });
  });

  it('when processors are named as start prints them, with dashes or with commas, then only those run, in start order', () => {
    const selection = selectParts(
      { role: 'processors', processors: ['data-delivery,projection-import_jobs', 'realtime relay'] },
      KNOWN,
    );
    expect(selection.processors).toEqual(['projection import_jobs', REALTIME_RELAY, 'data-delivery']);
  });

  it('when the role is all and processors are named, then the API runs beside only those, without the demo', () => {
    expect(selectParts({ processors: ['transactions-cleanser'] }, KNOWN)).toEqual({
      role: 'all',
      api: true,
      processors: ['transactions-cleanser'],
      demo: false,
    });
  });

  it('when a name is unknown, then it stops with an operator error naming it and listing the known ones', () => {
    const error = failure(() => selectParts({ processors: ['import_jobs', 'cleanser'] }, KNOWN));
    expect(error).toBeInstanceOf(OperatorError);
    expect(error.message).toBe(
      "no processor named 'import_jobs', 'cleanser'; the known ones: projection import_jobs, projection attachments, transactions-cleanser, realtime relay, data-delivery",
    );
  });

  it('when the role is not one of the three, then it says which roles there are', () => {
    expect(failure(() => selectParts({ role: 'web' }, KNOWN)).message).toBe(
      "--role 'web' is not a role; the roles are: api, processors, all",
    );
  });

  it('when processors are named with the api role, then it refuses rather than ignoring them', () => {
    expect(failure(() => selectParts({ role: 'api', processors: ['data-delivery'] }, KNOWN)).message).toMatch(
      /cannot go with --role api/,
    );
  });

  it('when --processors is given only empty names, then it refuses rather than running everything', () => {
    expect(failure(() => selectParts({ role: 'processors', processors: [' , '] }, KNOWN)).message).toMatch(
      /needs at least one name/,
    );
  });
});

describe('processorNamesOf', () => {
  it('when the slices are listed without connecting, then the names are the ones start prints, the relay among them', async () => {
    const names = processorNamesOf(SLICES, await testConfig());
    expect(names).toEqual(
      expect.arrayContaining(['projection import_jobs', 'transactions-cleanser', REALTIME_RELAY, 'data-delivery']),
    );
    expect(new Set(names).size).toBe(names.length);
  });
});
