import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, DeleteQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { DeleteParametersCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBucket } from '../infra/aws/buckets.ts';
import { createS3Client, createSqsClient, createSsmClient } from '../infra/aws/clients.ts';
import { loadConfig, type Config } from '../infra/config/index.ts';
import { createKafka, type KafkaConnection } from '../infra/kafka/client.ts';
import { quietLogger, testConfig, uniqueName } from './support/platform.ts';

// Proves the local stack is real: each service is used through its real protocol, with the
// same clients and configuration Tributary uses in production.

let config: Config;
beforeAll(async () => {
  config = await testConfig();
});

describe('Kafka and the schema registry', () => {
  let kafka: KafkaConnection;
  let registry: SchemaRegistry;

  beforeAll(() => {
    kafka = createKafka(config.kafka, quietLogger());
    registry = new SchemaRegistry({ host: config.registry.url });
  });

  it('when an Avro event is produced in the Confluent wire format, then a consumer reads and decodes the same event', async () => {
    const topic = uniqueName('stack-test');
    const schema = {
      type: 'record',
      name: 'StackProbed',
      namespace: 'dev.tributary.test',
      fields: [
        { name: 'probeId', type: 'string' },
        { name: 'count', type: 'int' },
        { name: 'note', type: ['null', 'string'], default: null },
      ],
    };
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
      { subject: `${topic}-dev.tributary.test.StackProbed` },
    );
    const event = { probeId: uniqueName('probe'), count: 42, note: 'hello' };
    const encoded = await registry.encode(id, event);
    // Confluent framing: magic byte 0, then the 4-byte big-endian schema id, then the Avro body.
    expect(encoded[0]).toBe(0);
    expect(encoded.readInt32BE(1)).toBe(id);

    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: event.probeId, value: encoded }] });

    const consumer = kafka.consumer({ groupId: uniqueName('stack-test-group') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = await new Promise<{ key: string; value: unknown }>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ message }) => {
            resolve({ key: message.key?.toString() ?? '', value: await registry.decode(message.value as Buffer) });
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();

    expect(received).toEqual({ key: event.probeId, value: event });
  });

  it('when the same schema is registered twice, then the registry returns the same id', async () => {
    const subject = `${uniqueName('stack-test')}-dev.tributary.test.Twice`;
    const schema = JSON.stringify({
      type: 'record',
      name: 'Twice',
      namespace: 'dev.tributary.test',
      fields: [{ name: 'a', type: 'string' }],
    });
    const first = await registry.register({ type: SchemaType.AVRO, schema }, { subject });
    const second = await registry.register({ type: SchemaType.AVRO, schema }, { subject });
    expect(second.id).toBe(first.id);
  });
});

describe('PostgreSQL', () => {
  it('when a row is written, then a new connection reads it back', async () => {
    const table = uniqueName('stack_test').replace('-', '_');
    const writer = new pg.Client({ connectionString: config.database.url });
    const reader = new pg.Client({ connectionString: config.database.url });
    await writer.connect();
    await reader.connect();
    try {
      await writer.query(`create table ${table} (id uuid primary key, body jsonb not null)`);
      const id = crypto.randomUUID();
      await writer.query(`insert into ${table} (id, body) values ($1, $2)`, [id, { hello: 'world' }]);
      const { rows } = await reader.query(`select id, body from ${table}`);
      expect(rows).toEqual([{ id, body: { hello: 'world' } }]);
    } finally {
      await writer.query(`drop table if exists ${table}`);
      await writer.end();
      await reader.end();
    }
  });
});

describe('S3 and SQS through the AWS SDK', () => {
  it('when an object is put, then it is read back with its content and type', async () => {
    const s3 = createS3Client(config.aws);
    const bucket = uniqueName('stack-test');
    expect(await ensureBucket(s3, bucket, config.aws.region)).toBe(true);
    expect(await ensureBucket(s3, bucket, config.aws.region)).toBe(false);
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'a/b.json', Body: '{"x":1}', ContentType: 'application/json' }),
    );
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'a/b.json' }));
    expect(object.ContentType).toBe('application/json');
    expect(object.ServerSideEncryption).toBe('AES256');
    expect(await object.Body?.transformToString()).toBe('{"x":1}');
    s3.destroy();
  });

  it('when a message is sent to a queue, then it is received', async () => {
    const sqs = createSqsClient(config.aws);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('stack-test') }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'ping' }));
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }),
    );
    expect(Messages?.map((m) => m.Body)).toEqual(['ping']);
    await sqs.send(new DeleteQueueCommand({ QueueUrl }));
    sqs.destroy();
  });
});

describe('configuration from SSM parameters', () => {
  const environment = uniqueName('staging');
  const names = [
    `/${environment}/API_PORT`,
    `/${environment}/kafka/KAFKA_CLIENT_ID`,
    `/${environment}/DATABASE_URL`,
    `/${environment}/auth/AUTH_JWT_SECRET`,
  ];

  afterAll(async () => {
    const ssm = createSsmClient(config.aws);
    await ssm.send(new DeleteParametersCommand({ Names: names }));
    ssm.destroy();
  });

  it('when parameters exist under /<environment>/, then they override the environment, nested paths included', async () => {
    const ssm = createSsmClient(config.aws);
    await ssm.send(new PutParameterCommand({ Name: names[0], Value: '28080', Type: 'String' }));
    await ssm.send(new PutParameterCommand({ Name: names[1], Value: 'from-ssm', Type: 'String' }));
    await ssm.send(
      new PutParameterCommand({
        Name: names[2],
        Value: 'postgres://app:s3cret@db.internal:5432/app',
        Type: 'SecureString',
      }),
    );
    await ssm.send(
      new PutParameterCommand({ Name: names[3], Value: 'a-secret-from-ssm-that-is-long-enough', Type: 'SecureString' }),
    );
    ssm.destroy();

    // A deployed environment: connection settings have no local defaults, so what SSM gives is all there is.
    const loaded = await loadConfig({
      dotenvPath: '/nonexistent/.env',
      env: {
        ENVIRONMENT: environment,
        CONFIG_SSM_ENABLED: 'true',
        API_PORT: '18999',
        KAFKA_BROKERS: 'broker-1:9092',
        SCHEMA_REGISTRY_URL: 'https://registry.internal/apis/ccompat/v7',
        AWS_ENDPOINT_URL: config.aws.endpoint,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
      },
    });

    expect(loaded.config.api.port).toBe(28080);
    expect(loaded.sources.API_PORT).toBe('ssm');
    expect(loaded.config.kafka.clientId).toBe('from-ssm');
    expect(loaded.config.database.url).toBe('postgres://app:s3cret@db.internal:5432/app');
    expect(loaded.config.kafka.brokers).toEqual(['broker-1:9092']);
    expect(loaded.config.auth.secret).toBe('a-secret-from-ssm-that-is-long-enough');
    expect(loaded.sources.AUTH_JWT_SECRET).toBe('ssm');
  });
});
