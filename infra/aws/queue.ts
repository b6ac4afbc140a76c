import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** The upload queue as SQS knows it. */
export interface QueueState {
  readonly url: string;
  readonly arn: string;
  /** The policy document, as SQS returns it; undefined when the queue has none. */
  readonly policy: string | undefined;
}

/** The queue with its ARN and policy, or undefined when no queue has that name. */
export async function findQueue(sqs: SQSClient, name: string): Promise<QueueState | undefined> {
  let url: string | undefined;
  try {
    ({ QueueUrl: url } = await sqs.send(new GetQueueUrlCommand({ QueueName: name })));
  } catch (error) {
    if (isMissingQueue(error)) return undefined;
    throw error;
  }
  if (!url) return undefined;
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn', 'Policy'] }),
  );
  if (!Attributes?.QueueArn) throw new Error(`SQS answered no ARN for queue ${name}`);
  return { url, arn: Attributes.QueueArn, policy: Attributes.Policy || undefined };
}

/** Creates the queue (without attributes, so that a concurrent creation cannot conflict) and reads it back. */
export async function createQueue(sqs: SQSClient, name: string): Promise<QueueState> {
  await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const queue = await findQueue(sqs, name);
  if (!queue) throw new Error(`SQS queue ${name} was created but cannot be found`);
  return queue;
}

export async function setQueuePolicy(sqs: SQSClient, url: string, policy: object): Promise<void> {
  await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: JSON.stringify(policy) } }));
}

function isMissingQueue(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return name === 'QueueDoesNotExist' || name === 'AWS.SimpleQueueService.NonExistentQueue';
}
