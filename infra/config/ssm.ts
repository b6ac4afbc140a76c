import { GetParametersByPathCommand } from '@aws-sdk/client-ssm';
import { createSsmClient } from '../aws/clients.ts';
import { awsSettings } from './shape.ts';
import type { ParsedValues } from './variables.ts';

/** Returns [variable name, value] pairs for the parameters under /<ENVIRONMENT>/. */
export type SsmReader = (values: ParsedValues) => Promise<Iterable<[string, string]>>;

/**
 * Reads every parameter under /<ENVIRONMENT>/, recursively and decrypted, following the
 * pages; `/production/kafka/KAFKA_BROKERS` becomes KAFKA_BROKERS (the last path segment),
 * as in seed 000, so where a value came from is invisible to the rest of the system.
 */
export const readSsmParameters: SsmReader = async (values) => {
  const client = createSsmClient(awsSettings(values));
  const path = `/${values.ENVIRONMENT}/`;
  const found = new Map<string, string>();
  try {
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new GetParametersByPathCommand({ Path: path, Recursive: true, WithDecryption: true, NextToken: nextToken }),
      );
      for (const parameter of page.Parameters ?? []) {
        const name = parameter.Name?.split('/').pop();
        if (name && parameter.Value !== undefined) found.set(name, parameter.Value);
      }
      nextToken = page.NextToken;
    } while (nextToken);
  } catch (error) {
    throw new Error(
      `CONFIG_SSM_ENABLED is true but SSM parameters under ${path} could not be read: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  } finally {
    client.destroy();
  }
  return found;
};
