import { describe, expect, it } from 'vitest';
import type { EventSchema } from './avro.ts';
import { loadEventSchemas } from './avro.ts';
import { eventDefinitions, subjectOf } from './catalog.ts';
import type { EventDefinition } from './definitions.ts';
import { RegistryClient } from './registry-client.ts';
import { checkSchemas, IncompatibleSchemaError, registerSchemas } from './registration.ts';
import avro from 'avsc';
import { LOGICAL_TYPES } from './avro.ts';
import { testConfig, uniqueName } from '../test/support/platform.ts';

/** ThreadCreated with its payload changed by `change`, as a new version of the schema would be. */
function changedThreadCreated(base: EventSchema, change: (payloadFields: unknown[]) => unknown[]): EventSchema {
  const schema = JSON.parse(base.canonical) as { fields: { name: string; type: { fields: unknown[] } }[] };
  const payload = schema.fields.find((f) => f.name === 'payload')!;
  payload.type.fields = change(payload.type.fields);
  const type = avro.Type.forSchema(schema as avro.Schema, { logicalTypes: LOGICAL_TYPES });
  return { ...base, type, canonical: JSON.stringify(type.schema({ exportAttrs: true })) };
}

describe('schemas register and schemas check against the registry', () => {
  it('when an incompatible change is checked, then it is refused naming the field; a compatible one registers as a new version', async () => {
    const registry = new RegistryClient((await testConfig()).registry);
    const topic = uniqueName('schema-test');
    const base = loadEventSchemas().find((s) => s.name === 'ThreadCreated')!;
    const definition = (schema: EventSchema): EventDefinition => ({
      ...eventDefinitions([schema])[0]!,
      subject: subjectOf(topic, schema.fullName),
    });

    const [first] = await registerSchemas(registry, [definition(base)]);
    expect(first).toMatchObject({ change: 'registered' });
    expect(await registry.compatibility(first!.subject)).toBe('BACKWARD');
    const [again] = await registerSchemas(registry, [definition(base)]);
    expect(again).toEqual({ ...first, change: 'unchanged' });

    const breaking = changedThreadCreated(base, (fields) => [...fields, { name: 'priority', type: 'int' }]);
    const [check] = await checkSchemas(registry, [definition(breaking)]);
    expect(check).toMatchObject({ against: 1, problems: ['payload.priority was added without a default'] });
    await expect(registerSchemas(registry, [definition(breaking)])).rejects.toBeInstanceOf(IncompatibleSchemaError);
    await expect(registerSchemas(registry, [definition(breaking)])).rejects.toThrow(
      'payload.priority was added without a default',
    );
    // The registry agrees: it refuses the breaking schema under BACKWARD.
    expect(await registry.isCompatible(first!.subject, breaking.canonical)).toBe(false);

    const compatible = changedThreadCreated(base, (fields) => [
      ...fields,
      { name: 'priority', type: ['null', 'int'], default: null },
    ]);
    const [second] = await registerSchemas(registry, [definition(compatible)]);
    expect(second?.change).toBe('registered');
    expect(second?.id).not.toBe(first?.id);
    expect((await registry.latest(first!.subject))?.version).toBe(2);
  });

  it('when several instances register the same new schemas at once, then every one succeeds with BACKWARD set', async () => {
    // Two processes provisioning a fresh registry together (a scaled deployment's first start):
    // Apicurio answered the second compatibility rule 409 "already exists".
    const registry = new RegistryClient((await testConfig()).registry);
    const topic = uniqueName('schema-race');
    const definitions = loadEventSchemas()
      .filter((s) => ['ThreadCreated', 'MessageSent', 'ImportCompleted'].includes(s.name))
      .map((schema) => ({ ...eventDefinitions([schema])[0]!, subject: subjectOf(topic, schema.fullName) }));
    const instances = await Promise.all(Array.from({ length: 6 }, () => registerSchemas(registry, definitions)));
    for (const registered of instances) expect(registered).toHaveLength(definitions.length);
    for (const { subject } of definitions) expect(await registry.compatibility(subject)).toBe('BACKWARD');
  });
});
