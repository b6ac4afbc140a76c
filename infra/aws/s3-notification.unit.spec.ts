import { describe, expect, it } from 'vitest';
import { parseS3Notification } from './s3-notification.ts';

const record = (eventName: string, key: string) => ({
  eventName,
  eventTime: '2026-11-22T10:05:00.000Z',
  s3: {
    bucket: { name: 'uploads' },
    object: { key, size: 42, eTag: '"ABC123"', versionId: 'v1', sequencer: '0055AED6DCD90281E5' },
  },
});

describe('parseS3Notification', () => {
  it('when S3 reports created objects, then each is read with its key decoded and its ETag bare', () => {
    const parsed = parseS3Notification(
      JSON.stringify({ Records: [record('ObjectCreated:Put', 'uploads/org-1/scan+of+knee%C3%A9.png')] }),
    );

    expect(parsed).toEqual({
      kind: 'records',
      created: [
        {
          eventName: 'ObjectCreated:Put',
          bucket: 'uploads',
          key: 'uploads/org-1/scan of kneeé.png',
          sizeBytes: 42,
          eTag: 'abc123',
          versionId: 'v1',
          sequencer: '0055AED6DCD90281E5',
          eventTime: new Date('2026-11-22T10:05:00.000Z'),
        },
      ],
    });
  });

  it('when the message is the test event S3 sends on set-up, then it is recognised as such', () => {
    expect(parseS3Notification(JSON.stringify({ Event: 's3:TestEvent', Bucket: 'uploads' }))).toEqual({ kind: 'test' });
  });

  it('when records are not about created objects, then they are left out', () => {
    expect(parseS3Notification(JSON.stringify({ Records: [record('ObjectRemoved:Delete', 'uploads/x')] }))).toEqual({
      kind: 'records',
      created: [],
    });
  });

  it('when the body is not an S3 notification, then it is unreadable, with what was wrong', () => {
    expect(parseS3Notification('{not json')).toMatchObject({
      kind: 'unreadable',
      problem: 'the message body is not JSON',
    });
    expect(parseS3Notification('{"hello": 1}')).toMatchObject({ problem: 'the message has no Records array' });
    expect(
      parseS3Notification(JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put', s3: {} }] })),
    ).toMatchObject({
      problem: 'Records[0] has no s3.bucket.name or s3.object.key',
    });
  });
});
