import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { backwardProblems } from './compatibility.ts';

const event = (payloadFields: unknown[]) =>
  avro.Type.forSchema({
    type: 'record',
    name: 'Sample',
    namespace: 'dev.tributary.test',
    fields: [{ name: 'payload', type: { type: 'record', name: 'SamplePayload', fields: payloadFields } }],
  } as avro.Schema);

const v1 = event([
  { name: 'id', type: 'string' },
  { name: 'amount', type: 'string' },
  { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['a', 'b'] } },
]);

describe('backwardProblems', () => {
  it('when an optional field with a default is added, then the new schema reads the old data', () => {
    const v2 = event([
      { name: 'id', type: 'string' },
      { name: 'amount', type: 'string' },
      { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['a', 'b', 'c'] } },
      { name: 'note', type: ['null', 'string'], default: null },
    ]);
    expect(backwardProblems(v2, v1)).toEqual([]);
  });

  it('when a field is added without a default, then the problem names its path', () => {
    const v2 = event([
      { name: 'id', type: 'string' },
      { name: 'amount', type: 'string' },
      { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['a', 'b'] } },
      { name: 'merchant', type: 'string' },
    ]);
    expect(backwardProblems(v2, v1)).toEqual(['payload.merchant was added without a default']);
  });

  it('when a field changes type or an enum loses a symbol, then each is named', () => {
    const v2 = event([
      { name: 'id', type: 'string' },
      { name: 'amount', type: 'long' },
      { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['a'] } },
    ]);
    expect(backwardProblems(v2, v1)).toEqual([
      expect.stringMatching(/^payload\.amount changed from string to long/),
      'payload.kind no longer has the enum symbol(s) b and no default symbol',
    ]);
  });
});
