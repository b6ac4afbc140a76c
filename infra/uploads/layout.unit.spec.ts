import { describe, expect, it } from 'vitest';
import { UploadLayout } from './layout.ts';

const ID = '6f1c1e52-8a0a-4a77-9d0e-6b3c8f7a2d91';
const shared = new UploadLayout(
  { bucketStrategy: 'shared', bucket: 'tributary-test-uploads', bucketTemplate: 'unused-{organization}' },
  'test',
);
const perOrganization = new UploadLayout(
  { bucketStrategy: 'per-organization', bucket: 'unused', bucketTemplate: 'tributary-{environment}-up-{organization}' },
  'test',
);

describe('UploadLayout', () => {
  it('when the bucket is shared, then every organization has its own prefix in it, and the key reads back', () => {
    const location = shared.locationOf('org-1', ID);

    expect(location).toEqual({ bucket: 'tributary-test-uploads', key: `uploads/org-1/${ID}` });
    expect(shared.parse(location)).toEqual({ organizationId: 'org-1', attachmentId: ID });
  });

  it('when each organization has a bucket, then it is named from the template with the id made bucket-safe', () => {
    expect(perOrganization.bucketOf('Org_One')).toBe('tributary-test-up-org-one');
    expect(perOrganization.parse(perOrganization.locationOf('Org_One', ID))).toEqual({
      organizationId: 'Org_One',
      attachmentId: ID,
    });
  });

  it('when an organization id has no letter or digit, then no bucket is named for it', () => {
    expect(() => perOrganization.bucketOf('..')).toThrow(/no letter or digit/);
  });

  it('when a key is not one the layout hands out, or sits in another organization’s bucket, then it claims no attachment', () => {
    for (const key of [
      `quarantine/org-1/${ID}`,
      `uploads/org-1/not-a-uuid`,
      `uploads/${ID}`,
      `uploads/org-1/${ID}/extra`,
    ])
      expect(shared.parse({ bucket: 'tributary-test-uploads', key }), key).toBeUndefined();
    expect(perOrganization.parse({ bucket: 'tributary-test-up-org-2', key: `uploads/org-1/${ID}` })).toBeUndefined();
  });

  it('when an object is quarantined, then it moves out of the prefix that notifies', () => {
    expect(shared.quarantineKeyOf(`uploads/org-1/${ID}`)).toBe(`quarantine/org-1/${ID}`);
  });
});
