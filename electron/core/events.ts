import { EVENTS, type AnyEvent, type EventName, type EventPayload } from '@shared/contract/events';

export type EventListener = (event: AnyEvent) => void;

/** Backend → UI events. Payloads are validated on the way out, like method outputs. */
export type EventBus = Readonly<{
  emit: <E extends EventName>(name: E, payload: EventPayload<E>) => void;
  subscribe: (listener: EventListener) => () => void;
}>;

export function createEventBus(): EventBus {
  const listeners = new Set<EventListener>();
  return {
    emit(name, payload) {
      // Validated on the way out: with nobody listening nothing goes out (a bulk import emits two
      // events a line, mostly to no one, and parsing each cost more than writing its row).
      if (listeners.size === 0) return;
      const parsed = EVENTS[name].parse(payload) as EventPayload<typeof name>;
      const event = { name, payload: parsed } as AnyEvent;
      for (const listener of listeners) {
        // One broken subscriber (a closed socket) must not stop the others from hearing the event.
        try {
          listener(event);
        } catch {
          listeners.delete(listener);
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
