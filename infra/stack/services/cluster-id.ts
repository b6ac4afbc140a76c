import { randomBytes } from 'node:crypto';

/**
 * A KRaft cluster id: 16 random bytes in URL-safe base64, as `kafka-storage random-uuid` prints.
 * Like Kafka's own `Uuid.randomUuid`, an id that starts with '-' is drawn again: the storage
 * tool's argument parser would read `-t -abc…` as an option and refuse to format.
 */
export function kraftClusterId(random: (size: number) => Buffer = randomBytes): string {
  for (;;) {
    const id = random(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
