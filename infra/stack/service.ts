import type { StackSettings } from '../config/index.ts';
import type { StackLayout } from './layout.ts';

/** `kafka-2` and `kafka-3` exist with STACK_KAFKA_BROKERS=3. */
export type ServiceName = 'postgres' | 'kafka' | 'kafka-2' | 'kafka-3' | 'aws' | 'registry';

export interface ServiceContext {
  readonly settings: StackSettings;
  readonly layout: StackLayout;
}

/** One real service of the local stack, run as a local process. */
export interface StackService {
  readonly name: ServiceName;
  readonly port: number;
  /** The configuration variable that moves this service's port. */
  readonly portVariable: string;
  /** Further ports it binds (a controller, a management interface), with their variables. */
  readonly otherPorts: readonly { readonly port: number; readonly variable: string }[];
  readonly dependsOn: readonly ServiceName[];
  readonly startTimeoutMs: number;
  /** The signal that asks for a clean, prompt shutdown. */
  readonly stopSignal: NodeJS.Signals;
  /** Installs and initialises whatever is missing; cheap when nothing is. */
  prepare(): Promise<void>;
  /** Starts the service detached and returns its pid. */
  launch(): Promise<number>;
  /** Resolves when the service answers its real protocol; throws with the reason otherwise. */
  probe(): Promise<void>;
  /** One-time set-up that needs the running service (databases, for instance). */
  afterStart?(): Promise<void>;
}
