import type { LaunchConfig } from '../config/lifecycle-schema.ts';
import type { ManagedServer } from './managed-server.ts';

/** What a model's runtime tells the lifecycle: demand, the end of a request, config changes. */
export interface LifecycleHooks {
  /** The server object of a launched model (kept by its runtime). */
  server(name: string, launch: LaunchConfig): ManagedServer;
  /** Requests wait for this model's server: start it (or wake it) when it may. */
  demand(model: string): void;
  /** A request of this model ended (its in-flight count dropped). */
  released(model: string): void;
  /** The model's launch spec changed in a reload. */
  respecced(model: string): void;
  /** The model left the config: drain and stop its server. */
  retired(model: string): void;
  /** Queue depth or target health changed (the events stream). */
  notify(model: string): void;
}
