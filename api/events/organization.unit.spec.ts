import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { loadEventSchemas } from '../../schemas/avro.ts';
import { foreignOrganizationFields } from './organization.ts';

function payloadTypeOf(name: string): avro.Type {
  const event = loadEventSchemas().find((schema) => schema.name === name)!.type as avro.types.RecordType;
  return event.fields.find((field) => field.name === 'payload')!.type;
}

const nested = avro.Type.forSchema({
  type: 'record',
  name: 'NestedPayload',
  fields: [
    {
      name: 'accounts',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'Account',
          fields: [
            { name: 'accountId', type: 'string' },
            { name: 'organizationId', type: 'string' },
          ],
        },
      },
    },
    { name: 'byName', type: { type: 'map', values: 'Account' } },
    { name: 'owner', type: ['null', 'Account'], default: null },
  ],
} as avro.Schema);

describe('foreignOrganizationFields', () => {
  it("when a LogEntry payload names another organization, then its organizationId is named with the token's organization", () => {
    const payload = { organizationId: 'org-a', logType: 'web', environment: 'dev', server: 's', events: [] };
    expect(foreignOrganizationFields(payloadTypeOf('LogEntry'), payload, 'org-b')).toEqual([
      { field: 'payload.organizationId', problem: 'must be "org-b", the token\'s organization (got "org-a")' },
    ]);
    expect(
      foreignOrganizationFields(payloadTypeOf('LogEntry'), { ...payload, organizationId: 'org-b' }, 'org-b'),
    ).toEqual([]);
  });

  it('when organization fields sit in records inside arrays, maps and unions, then each foreign one is named by its path', () => {
    const account = (organizationId: string) => ({ accountId: 'a', organizationId });
    const payload = {
      accounts: [account('org-b'), account('org-a')],
      byName: { main: account('org-a'), other: account('org-b') },
      owner: account('org-a'),
    };
    expect(foreignOrganizationFields(nested, payload, 'org-b').map((p) => p.field)).toEqual([
      'payload.accounts.1.organizationId',
      'payload.byName.main.organizationId',
      'payload.owner.organizationId',
    ]);
  });

  it('when an organization field is missing or null, then it is named too: only the caller organization passes', () => {
    expect(foreignOrganizationFields(nested, { accounts: [{ accountId: 'a' }], byName: {} }, 'org-b')).toEqual([
      {
        field: 'payload.accounts.0.organizationId',
        problem: 'must be "org-b", the token\'s organization (got nothing)',
      },
    ]);
  });

  it('when a payload type has no organization field, then nothing is named', () => {
    expect(foreignOrganizationFields(payloadTypeOf('ThreadCreated'), { organizationId: 'org-a' }, 'org-b')).toEqual([]);
  });
});
