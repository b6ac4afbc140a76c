export { loadConfig, type LoadedConfig, type LoadOptions, type Source } from './load.ts';
export { ConfigError } from './errors.ts';
export type { AuthSettings, AwsSettings, Config, KafkaSettings, RealtimeSettings, StackSettings } from './shape.ts';
export { variables, type VariableName } from './variables.ts';
export { redactedValue } from './redact.ts';
