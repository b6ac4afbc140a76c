import { eventDefinitions } from './catalog.ts';
import { EventCodec } from './codec.ts';
import { RegistryClient, type RegistrySettings } from './registry-client.ts';

/** The codec over every event in the catalog, against the configured registry. */
export function createCodec(registry: RegistrySettings): EventCodec {
  return new EventCodec(new RegistryClient(registry), eventDefinitions());
}
