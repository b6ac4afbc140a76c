import { randomUUID } from 'node:crypto';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { LOGICAL_TYPES, loadEventSchemas, type EventSchema } from './avro.ts';
import { eventDefinitions } from './catalog.ts';
import { DecodeError, EventCodec, EventValidationError, type EventDefinition } from './codec.ts';
import type { AccountBalanceUpdated, LogEntry, TributaryEvent } from './generated/events.ts';
import type { RegistryClient } from './registry-client.ts';
import { frame } from './wire.ts';

/** The registry as the codec uses it, over schemas held in memory: ids are positions in the list. */
function memoryRegistry(schemas: string[] = []) {
  return {
    async lookup(_subject: string, schema: string) {
      if (!schemas.includes(schema)) schemas.push(schema);
      return schemas.indexOf(schema) + 1;
    },
    async schemaById(id: number) {
      const text = schemas[id - 1];
      if (text === undefined) throw Object.assign(new Error('not found'), { status: 404 });
      return text;
    },
    register(schema: string) {
      schemas.push(schema);
      return schemas.length;
    },
  };
}

function codecOver(definitions: EventDefinition[] = eventDefinitions()) {
  const registry = memoryRegistry();
  return { registry, codec: new EventCodec(registry as unknown as RegistryClient, definitions) };
}

const metadata = () => ({
  eventId: randomUUID(),
  occurredAt: new Date('2026-11-01T10:00:00Z'),
  organizationId: 'org-a',
  environment: 'test',
  correlationId: 'corr-1',
  causationId: null,
  actor: 'svc',
});

const balanceUpdated = (): AccountBalanceUpdated => ({
  type: 'AccountBalanceUpdated',
  metadata: metadata(),
  payload: {
    accountId: 'acc-1',
    balanceMinor: 1200,
    availableBalanceMinor: null,
    currency: 'EUR',
    asOf: new Date('2026-11-01T10:00:00Z'),
  },
});

const logEntry = (): LogEntry => ({
  type: 'LogEntry',
  metadata: metadata(),
  payload: {
    organizationId: 'org-a',
    logType: 'agw',
    environment: 'test',
    server: 'agw-1',
    level: null,
    message: null,
    events: [
      {
        action: 'received',
        description: 'request received',
        detail: { anything: 'goes in a map' },
        caller: null,
        server: 'agw-1',
        success: true,
        time: new Date('2026-11-01T10:00:00Z'),
        transactionId: 'tx-1',
        type: 'request',
      },
    ],
  },
});

function issuesOf(attempt: () => unknown) {
  try {
    attempt();
  } catch (error) {
    expect(error).toBeInstanceOf(EventValidationError);
    return (error as EventValidationError).issues;
  }
  throw new Error('expected the event to be refused');
}

describe('EventCodec.validate', () => {
  it('when a payload key is misspelt, then the event is refused naming the key and its record, instead of dropping it', () => {
    const { codec } = codecOver();
    const { availableBalanceMinor: _, ...rest } = balanceUpdated().payload;
    const event = { ...balanceUpdated(), payload: { ...rest, availableBalanceMinr: 700 } } as unknown as TributaryEvent;
    expect(issuesOf(() => codec.validate(event))).toEqual([
      { field: 'payload.availableBalanceMinr', problem: 'is not a field of AccountBalanceUpdatedPayload' },
    ]);
  });

  it('when an unknown key is on the event itself, in its metadata or in a record inside an array, then each is named by its path', () => {
    const { codec } = codecOver();
    const event = logEntry();
    const smuggled = {
      ...event,
      organizationId: 'org-b',
      metadata: { ...event.metadata, tenant: 'org-b' },
      payload: { ...event.payload, events: [{ ...event.payload.events[0]!, sucess: false }] },
    } as unknown as TributaryEvent;
    expect(issuesOf(() => codec.validate(smuggled))).toEqual([
      { field: 'organizationId', problem: 'is not a field of LogEntry' },
      { field: 'metadata.tenant', problem: 'is not a field of EventMetadata' },
      { field: 'payload.events.0.sucess', problem: 'is not a field of LogTimelineEvent' },
    ]);
  });

  it('when a key is both unknown and beside a wrong field, then both are named', () => {
    const { codec } = codecOver();
    const event = balanceUpdated();
    const bad = { ...event, payload: { ...event.payload, currency: 978, note: 'x' } } as unknown as TributaryEvent;
    expect(issuesOf(() => codec.validate(bad))).toEqual([
      { field: 'payload.currency', problem: 'must be string (got 978)' },
      { field: 'payload.note', problem: 'is not a field of AccountBalanceUpdatedPayload' },
    ]);
  });

  it('when records sit in a map or in a union, then their unknown keys are named too; keys of a map are not fields and pass', () => {
    const { codec } = codecOver([syntheticDefinition()]);
    const event = {
      type: 'Synthetic',
      metadata: { eventId: randomUUID() },
      payload: {
        byName: { first: { name: 'a' }, second: { name: 'b', nmae: 'typo' } },
        maybe: { name: 'c', extra: 1 },
        labels: { anyKey: 'is fine' },
      },
    } as unknown as TributaryEvent;
    expect(issuesOf(() => codec.validate(event))).toEqual([
      { field: 'payload.byName.second.nmae', problem: 'is not a field of Item' },
      { field: 'payload.maybe.extra', problem: 'is not a field of Item' },
    ]);
  });

  it('when every event type is valid as its schema says, then it passes', () => {
    const { codec } = codecOver();
    expect(codec.validate(balanceUpdated()).schema.name).toBe('AccountBalanceUpdated');
    expect(codec.validate(logEntry()).schema.name).toBe('LogEntry');
  });
});

describe('EventCodec.decode', () => {
  it('when a record written with the AccountBalanceUpdated schema says type "Bogus", then it is undecodable and not worth retrying', async () => {
    const { codec } = codecOver();
    const good = await codec.encode(balanceUpdated());
    const id = good.value.readInt32BE(1);
    const bogus = frame(id, good.definition.schema.type.toBuffer({ ...balanceUpdated(), type: 'Bogus' }));

    await expect(codec.decode(good.value)).resolves.toMatchObject({ type: 'AccountBalanceUpdated' });
    const attempt = codec.decode(bogus);
    await expect(attempt).rejects.toBeInstanceOf(DecodeError);
    await expect(attempt).rejects.toMatchObject({
      retriable: false,
      message: `schema id ${id} writes AccountBalanceUpdated, but the record's type says "Bogus"`,
    });
  });

  it('when a record of the retired realtime NotificationIssued is read, then it is upcast; with a foreign type, it is undecodable', async () => {
    const { codec, registry } = codecOver();
    const v1 = retiredNotification();
    const id = registry.register(JSON.stringify(v1.schema({ exportAttrs: true })));
    const record = {
      type: 'NotificationIssued',
      metadata: metadata(),
      payload: {
        topic: 'account_balanceupdated',
        sourceEventId: randomUUID(),
        sourceType: 'AccountBalanceUpdated',
        accountId: 'acc-1',
        threadId: null,
        data: '{}',
      },
    };

    await expect(codec.decode(frame(id, v1.toBuffer(record)))).resolves.toMatchObject({
      type: 'NotificationIssued',
      payload: { topic: 'account_balanceupdated', filters: { accountId: 'acc-1' } },
    });
    await expect(codec.decode(frame(id, v1.toBuffer({ ...record, type: 'Bogus' })))).rejects.toThrow(
      `schema id ${id} writes NotificationIssued, but the record's type says "Bogus"`,
    );
  });
});

/** An event whose payload holds records in a map and in a union, which no real event has yet. */
function syntheticDefinition(): EventDefinition {
  const type = avro.Type.forSchema({
    type: 'record',
    name: 'Synthetic',
    namespace: 'dev.tributary.test',
    fields: [
      { name: 'type', type: 'string' },
      { name: 'metadata', type: { type: 'record', name: 'Meta', fields: [{ name: 'eventId', type: 'string' }] } },
      {
        name: 'payload',
        type: {
          type: 'record',
          name: 'SyntheticPayload',
          fields: [
            {
              name: 'byName',
              type: {
                type: 'map',
                values: { type: 'record', name: 'Item', fields: [{ name: 'name', type: 'string' }] },
              },
            },
            { name: 'maybe', type: ['null', 'Item'], default: null },
            { name: 'labels', type: { type: 'map', values: 'string' } },
          ],
        },
      },
    ],
  } as avro.Schema);
  const schema: EventSchema = {
    name: 'Synthetic',
    fullName: 'dev.tributary.test.Synthetic',
    domain: 'test',
    path: 'synthetic.avsc',
    type,
    canonical: JSON.stringify(type.schema()),
  };
  return { schema, route: { topic: 'messages.events', key: () => 'k' }, subject: 'messages.events-synthetic' };
}

/** dev.tributary.realtime.NotificationIssued as it was before topics came from the slices. */
function retiredNotification(): avro.Type {
  const registry: Record<string, avro.Type> = {};
  const event = loadEventSchemas()[0]!.type.schema({ exportAttrs: true }) as {
    fields: { name: string; type: avro.Schema }[];
  };
  const envelope = event.fields.find((f) => f.name === 'metadata')!.type;
  return avro.Type.forSchema(
    {
      type: 'record',
      name: 'NotificationIssued',
      namespace: 'dev.tributary.realtime',
      fields: [
        { name: 'type', type: 'string' },
        { name: 'metadata', type: envelope },
        {
          name: 'payload',
          type: {
            type: 'record',
            name: 'NotificationIssuedPayload',
            fields: [
              { name: 'topic', type: { type: 'enum', name: 'RealtimeTopic', symbols: ['account_balanceupdated'] } },
              { name: 'sourceEventId', type: { type: 'string', logicalType: 'uuid' } },
              { name: 'sourceType', type: 'string' },
              { name: 'accountId', type: ['null', 'string'], default: null },
              { name: 'threadId', type: ['null', 'string'], default: null },
              { name: 'data', type: 'string' },
            ],
          },
        },
      ],
    } as avro.Schema,
    { registry, logicalTypes: LOGICAL_TYPES },
  );
}
