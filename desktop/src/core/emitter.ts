/** A minimal typed event emitter: listeners never break the emitter by throwing. */
export class Emitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<(payload: never) => void>>();
  private readonly anyListeners = new Set<<E extends keyof Events>(event: E, payload: Events[E]) => void>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => {}) {}

  on<E extends keyof Events>(event: E, listener: (payload: Events[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  /** Every event, for transports that forward all of them. */
  onAny(listener: <E extends keyof Events>(event: E, payload: Events[E]) => void): () => void {
    this.anyListeners.add(listener);
    return () => this.anyListeners.delete(listener);
  }

  emit<E extends keyof Events>(event: E, payload: Events[E]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        (listener as (p: Events[E]) => void)(payload);
      } catch (err) {
        this.onListenerError(err);
      }
    }
    for (const listener of [...this.anyListeners]) {
      try {
        listener(event, payload);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }
}
