/** What GET /admin/events sends: a model's server state, queue depth or target health changed. */
export interface LifecycleEvent {
  type: 'model';
  model: string;
  /** off | starting | ready | sleeping | draining | stopping | failed; absent for models without launch */
  state?: string;
  queued: number;
  in_flight: number;
  /** per target: its label and health */
  targets: { target: string; health: string; breaker: string }[];
  at: string;
}

/** Listeners of live state changes (the admin events stream); a throwing listener is dropped. */
export class EventBus<E> {
  private readonly listeners = new Set<(event: E) => void>();

  subscribe(listener: (event: E) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.listeners.size;
  }

  emit(event: E): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        this.listeners.delete(l);
      }
    }
  }
}
