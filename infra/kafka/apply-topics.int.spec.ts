import { describe, expect, it } from 'vitest';
import { quietLogger, testConfig, uniqueName } from '../../test/support/platform.ts';
import { applyTopics } from './apply-topics.ts';
import { createKafka } from './client.ts';
import { allTopicDeclarations } from './topics.ts';

describe('tributary topics apply', () => {
  it('when applied twice, then the first creates each topic and its dlq and the second changes nothing; a changed declaration is applied', async () => {
    const admin = createKafka((await testConfig()).kafka, quietLogger()).admin();
    await admin.connect();
    const name = uniqueName('apply-test');
    const declared = { name, partitions: 2, retentionMs: 3_600_000, cleanupPolicy: 'delete' as const, doc: 'test' };
    try {
      const created = await applyTopics(admin, allTopicDeclarations([declared]));
      expect(created.map((c) => [c.topic, c.change])).toEqual([
        [name, 'created'],
        [`${name}.dlq`, 'created'],
      ]);
      const again = await applyTopics(admin, allTopicDeclarations([declared]));
      expect(again.map((c) => c.change)).toEqual(['unchanged', 'unchanged']);

      const changed = await applyTopics(
        admin,
        allTopicDeclarations([{ ...declared, partitions: 4, retentionMs: 7_200_000 }]),
      );
      expect(changed.filter((c) => c.topic === name).map((c) => [c.change, c.detail])).toEqual([
        ['partitions', '2 -> 4 partitions'],
        ['config', 'retention.ms 3600000 -> 7200000'],
      ]);
      const metadata = await admin.fetchTopicMetadata({ topics: [name] });
      expect(metadata.topics[0]?.partitions).toHaveLength(4);

      await expect(
        applyTopics(admin, allTopicDeclarations([{ ...declared, partitions: 1, retentionMs: 7_200_000 }])),
      ).rejects.toThrow(`${name} has 4 partitions but 1 are declared; Kafka cannot remove partitions`);
    } finally {
      await admin.deleteTopics({ topics: [name, `${name}.dlq`] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
