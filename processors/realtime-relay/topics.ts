import type { EventOf, EventType, TributaryEvent } from '../../schemas/generated/events.ts';

/** Filter key to value, e.g. `{ accountId: 'acc-1' }`: what a subscription can match a notification on. */
export type NotificationFilters = Readonly<Record<string, string>>;

/**
 * Which events feed a topic, and the filter values each carries: a function per event type,
 * returning the filters, or undefined when that event should not notify (a healthy log entry).
 */
export type NotificationSources = {
  readonly [T in EventType]?: (event: EventOf<T>) => NotificationFilters | undefined;
};

/**
 * Events that carry several others (an importer's chunk of changes): each is read as the events it
 * stands for, which then notify by `from` exactly as if each had been published alone.
 */
export type NotificationCarriers = {
  readonly [T in EventType]?: (event: EventOf<T>) => readonly TributaryEvent[];
};

/** Who may receive an event's notification (subjects); none of these: everyone subscribed in the organization. */
export type NotificationAudiences = {
  readonly [T in EventType]?: (event: EventOf<T>) => readonly string[];
};

/** A realtime topic a slice declares: clients subscribe to it by name and filter on its keys. */
export interface RealtimeTopic {
  /** Lower-case letters, digits and underscores, e.g. `message_sent` (seed 004's naming). */
  readonly name: string;
  readonly doc: string;
  /** The keys subscriptions may filter on; every source gives values for these only. */
  readonly filterKeys: readonly string[];
  readonly from: NotificationSources;
  /** Chunk events read as the events they stand for (their ids included), each notifying by `from`. */
  readonly carriers?: NotificationCarriers;
  /**
   * For topics whose notifications are not for the whole organization (a thread's messages are for
   * its participants): the subjects each event's notification may reach, checked at delivery.
   */
  readonly audience?: NotificationAudiences;
}

/** The realtime topics of every slice, checked once: names unique and well formed, sources within their keys. */
export class RealtimeTopics {
  private readonly byName = new Map<string, RealtimeTopic>();

  constructor(readonly all: readonly RealtimeTopic[]) {
    for (const topic of all) {
      if (!/^[a-z][a-z0-9_]*$/.test(topic.name))
        throw new Error(`realtime topic ${topic.name} must be lower-case letters, digits and underscores`);
      if (this.byName.has(topic.name)) throw new Error(`realtime topic ${topic.name} is declared twice`);
      this.byName.set(topic.name, topic);
    }
  }

  get names(): string[] {
    return this.all.map((topic) => topic.name);
  }

  get(name: string): RealtimeTopic | undefined {
    return this.byName.get(name);
  }

  /** The event types that feed any topic. */
  get sourceTypes(): EventType[] {
    return [
      ...new Set(
        this.all.flatMap((topic) => [...Object.keys(topic.from), ...Object.keys(topic.carriers ?? {})] as EventType[]),
      ),
    ];
  }

  /**
   * What is wrong with a subscription to `topics` filtered on `filterKeys`, or an empty list:
   * every topic must exist, and every filter key must be one that each of the topics carries.
   */
  problemsWith(topics: readonly string[], filterKeys: readonly string[]): string[] {
    const problems: string[] = [];
    for (const name of topics) {
      const topic = this.byName.get(name);
      if (!topic) {
        problems.push(`unknown topic "${name}"; the topics are: ${this.names.join(', ')}`);
        continue;
      }
      for (const key of filterKeys) {
        if (!topic.filterKeys.includes(key))
          problems.push(
            `topic "${name}" cannot be filtered by "${key}"; its filter keys are: ${topic.filterKeys.join(', ') || 'none'}`,
          );
      }
    }
    return problems;
  }
}
