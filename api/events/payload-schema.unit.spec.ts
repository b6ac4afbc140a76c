import { describe, expect, it } from 'vitest';
import { loadEventSchemas } from '../../schemas/avro.ts';
import { payloadSchema } from './payload-schema.ts';

const payloadOf = (name: string) => {
  const event = loadEventSchemas().find((schema) => schema.name === name)!;
  return (event.type as unknown as { fields: { name: string; type: never }[] }).fields.find(
    (f) => f.name === 'payload',
  )!.type;
};

describe('payloadSchema', () => {
  it('when an event payload is described, then the fields without a default are required, nothing else is allowed, instants are date-times or epoch milliseconds and optional fields nullable', () => {
    const schema = payloadSchema(payloadOf('AccountBalanceUpdated'));
    expect(schema).toMatchObject({
      type: 'object',
      additionalProperties: false,
      required: ['accountId', 'balanceMinor', 'currency', 'asOf'],
      properties: {
        accountId: { type: 'string' },
        balanceMinor: { type: 'integer' },
        availableBalanceMinor: { type: 'integer', nullable: true },
        asOf: { anyOf: [{ type: 'string', format: 'date-time' }, expect.objectContaining({ type: 'integer' })] },
      },
    });
  });

  it('when a payload holds enums, arrays of records and maps, then each is described', () => {
    const schema = payloadSchema(payloadOf('LogEntry')) as { properties: Record<string, Record<string, unknown>> };
    expect(schema.properties.logType).toMatchObject({ type: 'string', enum: expect.arrayContaining(['crash', 'web']) });
    expect(schema.properties.events).toMatchObject({
      type: 'array',
      items: {
        type: 'object',
        properties: { detail: { type: 'object', nullable: true, additionalProperties: { type: 'string' } } },
      },
    });
  });
});
