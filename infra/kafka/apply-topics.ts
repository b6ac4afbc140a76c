import kafkajs, { type Admin } from 'kafkajs';
import { maxMessageBytesOf, type TopicDeclaration } from './topics.ts';

// kafkajs is CommonJS; Node's named-export detection misses this enum.
const { ConfigResourceTypes } = kafkajs;

export interface TopicChange {
  readonly topic: string;
  readonly change: 'created' | 'partitions' | 'config' | 'unchanged';
  readonly detail: string;
}

/** Waits (at most 30 s) until every partition of the topics has a leader. */
async function leadersElected(admin: Admin, topics: readonly string[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [...topics] });
      if (metadata.topics.every((topic) => topic.partitions.every((partition) => partition.leader >= 0))) return;
    } catch (error) {
      if ((error as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION' || Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`the topics ${topics.join(', ')} have no leader after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The topic configs Tributary owns; max.message.bytes is set even when not declared, so the publisher's limit is the broker's. */
function desiredConfig(topic: TopicDeclaration): Record<string, string> {
  return {
    'retention.ms': String(topic.retentionMs),
    'cleanup.policy': topic.cleanupPolicy,
    'max.message.bytes': String(maxMessageBytesOf(topic)),
  };
}

/**
 * Makes the cluster match the declarations: creates missing topics, adds partitions (Kafka
 * cannot remove them: fewer declared than existing is an error), and aligns retention, cleanup
 * policy and max.message.bytes. Idempotent; returns one line per topic saying what changed.
 */
export async function applyTopics(admin: Admin, declarations: readonly TopicDeclaration[]): Promise<TopicChange[]> {
  const existing = new Set(await admin.listTopics());
  const missing = declarations.filter((topic) => !existing.has(topic.name));
  if (missing.length > 0) {
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic: topic.name,
          numPartitions: topic.partitions,
          configEntries: Object.entries(desiredConfig(topic)).map(([name, value]) => ({ name, value })),
        })),
      });
    } catch (error) {
      // A broker that has just started may not know the topics it has just created when kafkajs
      // asks for their leaders (kafkajs retries only LEADER_NOT_AVAILABLE): ask again until it does.
      if ((error as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw error;
      await leadersElected(
        admin,
        missing.map((topic) => topic.name),
      );
    }
  }
  const changes: TopicChange[] = missing.map((topic) => ({
    topic: topic.name,
    change: 'created',
    detail: `${topic.partitions} partitions, ${Object.entries(desiredConfig(topic))
      .map(([name, value]) => `${name}=${value}`)
      .join(', ')}`,
  }));

  const present = declarations.filter((topic) => existing.has(topic.name));
  if (present.length === 0) return changes;
  const metadata = await admin.fetchTopicMetadata({ topics: present.map((t) => t.name) });
  const configs = await admin.describeConfigs({
    includeSynonyms: false,
    resources: present.map((topic) => ({
      type: ConfigResourceTypes.TOPIC,
      name: topic.name,
      configNames: Object.keys(desiredConfig(topic)),
    })),
  });

  for (const topic of present) {
    const partitions = metadata.topics.find((t) => t.name === topic.name)?.partitions.length ?? 0;
    const lines: string[] = [];
    if (partitions > topic.partitions) {
      throw new Error(
        `${topic.name} has ${partitions} partitions but ${topic.partitions} are declared; Kafka cannot remove partitions`,
      );
    }
    if (partitions < topic.partitions) {
      await admin.createPartitions({ topicPartitions: [{ topic: topic.name, count: topic.partitions }] });
      changes.push({
        topic: topic.name,
        change: 'partitions',
        detail: `${partitions} -> ${topic.partitions} partitions`,
      });
    }
    const current = configs.resources.find((r) => r.resourceName === topic.name)?.configEntries ?? [];
    const desired = desiredConfig(topic);
    for (const [name, value] of Object.entries(desired)) {
      const now = current.find((entry) => entry.configName === name)?.configValue;
      if (now !== value) lines.push(`${name} ${now ?? '(default)'} -> ${value}`);
    }
    if (lines.length > 0) {
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: topic.name,
            configEntries: Object.entries(desired).map(([name, value]) => ({ name, value })),
          },
        ],
      });
      changes.push({ topic: topic.name, change: 'config', detail: lines.join(', ') });
    }
    if (partitions === topic.partitions && lines.length === 0) {
      changes.push({ topic: topic.name, change: 'unchanged', detail: `${partitions} partitions` });
    }
  }
  return changes;
}
