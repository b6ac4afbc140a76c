import type { Admin } from 'kafkajs';
import { applyTopics, type TopicChange } from './apply-topics.ts';
import type { KafkaConnection } from './client.ts';
import type { TopicDeclaration } from './topics.ts';

/** A partition's first offset still kept (`low`) and the offset the next record gets (`high`). */
export interface PartitionRange {
  readonly partition: number;
  readonly low: bigint;
  readonly high: bigint;
}

/**
 * Where a consumer group will resume in a partition; null when it has no position there (it never
 * committed one, or was rewound), so its next member starts where the consumer's reset policy says.
 */
export interface CommittedOffset {
  readonly partition: number;
  readonly offset: bigint | null;
}

export interface ClusterDescription {
  readonly clusterId: string;
  readonly brokers: readonly { nodeId: number; host: string; port: number }[];
}

/**
 * Every administrative request Tributary makes of the cluster: topic offsets and metadata,
 * consumer groups and their offsets, applying the topic declarations, describing the cluster.
 * The admin client connects on the first request and is kept until `close()`; a failed
 * connection, or `close()`, lets the next request connect afresh.
 */
export class KafkaAdmin {
  private client: Promise<Admin> | undefined;

  constructor(private readonly kafka: KafkaConnection) {}

  async topicOffsets(topic: string): Promise<PartitionRange[]> {
    const offsets = await (await this.connected()).fetchTopicOffsets(topic);
    return offsets.map(({ partition, low, high }) => ({ partition, low: BigInt(low), high: BigInt(high) }));
  }

  /** 0 when the cluster knows the topic but reports no partitions. */
  async partitionCount(topic: string): Promise<number> {
    const metadata = await (await this.connected()).fetchTopicMetadata({ topics: [topic] });
    return metadata.topics[0]?.partitions.length ?? 0;
  }

  async groupIds(): Promise<string[]> {
    const { groups } = await (await this.connected()).listGroups();
    return groups.map((group) => group.groupId);
  }

  /** Deletes the group if the cluster knows it; says whether it did. The group must have no members. */
  async deleteGroup(groupId: string): Promise<boolean> {
    if (!(await this.groupIds()).includes(groupId)) return false;
    await (await this.connected()).deleteGroups([groupId]);
    return true;
  }

  async committedOffsets(groupId: string, topic: string): Promise<CommittedOffset[]> {
    const topics = await (await this.connected()).fetchOffsets({ groupId, topics: [topic] });
    return topics.flatMap(({ partitions }) =>
      partitions.map(({ partition, offset }) => ({ partition, offset: BigInt(offset) < 0n ? null : BigInt(offset) })),
    );
  }

  /** Records where the group resumes in each partition given (the others keep theirs). */
  async commitOffsets(
    groupId: string,
    topic: string,
    partitions: readonly { partition: number; offset: bigint }[],
  ): Promise<void> {
    await (
      await this.connected()
    ).setOffsets({
      groupId,
      topic,
      partitions: partitions.map(({ partition, offset }) => ({ partition, offset: offset.toString() })),
    });
  }

  /** Makes the group forget how far it got: its next member starts from the earliest record kept. */
  async rewindGroup(groupId: string, topic: string): Promise<void> {
    await (await this.connected()).resetOffsets({ groupId, topic, earliest: true });
  }

  /** See `applyTopics`: makes the cluster match the declarations and says what changed. */
  async applyTopics(declarations: readonly TopicDeclaration[]): Promise<TopicChange[]> {
    return applyTopics(await this.connected(), declarations);
  }

  async topicNames(): Promise<string[]> {
    return (await this.connected()).listTopics();
  }

  /** Deletes the topics (their records too): for what a test or a tool made for itself. */
  async deleteTopics(names: readonly string[]): Promise<void> {
    if (names.length > 0) await (await this.connected()).deleteTopics({ topics: [...names] });
  }

  async describeCluster(): Promise<ClusterDescription> {
    const { clusterId, brokers } = await (await this.connected()).describeCluster();
    return { clusterId, brokers };
  }

  async close(): Promise<void> {
    const pending = this.client;
    this.client = undefined;
    const admin = await pending?.catch(() => undefined);
    await admin?.disconnect();
  }

  private connected(): Promise<Admin> {
    if (this.client) return this.client;
    const pending = (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })();
    this.client = pending;
    pending.catch(() => {
      if (this.client === pending) this.client = undefined;
    });
    return pending;
  }
}

/** Runs `work` with an admin client of its own, closed afterwards: for one-off tasks. */
export async function withKafkaAdmin<T>(kafka: KafkaConnection, work: (admin: KafkaAdmin) => Promise<T>): Promise<T> {
  const admin = new KafkaAdmin(kafka);
  try {
    return await work(admin);
  } finally {
    await admin.close();
  }
}
