import { describe, expect, it } from 'vitest';
import type { Processor } from '../../processors/runtime/processor.ts';
import { SLICES } from '../../slices/index.ts';
import { testConfig } from '../../test/support/platform.ts';
import { catalogueOf, namesOf, REALTIME_RELAY } from './catalogue.ts';
import { runnablePartsOf, selectedParts } from './parts.ts';

// Nothing starts in these tests: the builders and the parts only capture what they are given.
const unused = {} as never;

async function parts() {
  const config = await testConfig();
  const catalogue = catalogueOf(SLICES, {
    config,
    publisher: unused,
    aws: unused,
    pool: unused,
    logger: unused,
    runtime: unused,
  });
  return { catalogue, parts: runnablePartsOf(catalogue, { name: 'realtime-relay.v1' } as Processor, unused) };
}

describe('runnablePartsOf', () => {
  it('when the slices are turned into parts, then their names are the ones --processors and export list, in the same order', async () => {
    const { catalogue, parts: all } = await parts();
    expect(all.map((part) => part.name)).toEqual(namesOf(catalogue));
  });

  it('when a part fails, then its own name says its kind and its slice', async () => {
    const { parts: all } = await parts();
    const byName = new Map(all.map((part) => [part.name, part.part.name]));
    expect(byName.get('projection import_jobs')).toBe('projection import_jobs (imports)');
    expect(byName.get('data-delivery')).toBe('worker data-delivery (imports)');
    expect(byName.get(REALTIME_RELAY)).toBe(REALTIME_RELAY);
  });

  it('when a selection names some parts, then only those are kept, in start order', async () => {
    const { parts: all } = await parts();
    expect(
      selectedParts(all, ['data-delivery', REALTIME_RELAY, 'projection import_jobs']).map((part) => part.name),
    ).toEqual(['projection import_jobs', REALTIME_RELAY, 'data-delivery']);
  });
});
