/**
 * The console's one event stream: the WebSocket and the demo replay both push here; the graph,
 * the narration sidebar and the query cache subscribe. An external store so React re-renders
 * only the components that read it.
 */
import type { EngineEvent } from '../../api/types';
import type { LiveStatus } from './liveConnection';

const KEEP = 300;

export interface LiveSnapshot {
  events: EngineEvent[];
  status: LiveStatus;
  retryInMs?: number;
  lastEventAt: number | null;
}

type Listener = () => void;
type EventListener = (ev: EngineEvent) => void;

export class LiveStore {
  private snapshot: LiveSnapshot = { events: [], status: 'closed', lastEventAt: null };
  private listeners = new Set<Listener>();
  private eventListeners = new Set<EventListener>();
  private lastLogId: number | null = null;

  getSnapshot = (): LiveSnapshot => this.snapshot;

  subscribe = (fn: Listener): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  onEvent(fn: EventListener): () => void {
    this.eventListeners.add(fn);
    return () => this.eventListeners.delete(fn);
  }

  push(ev: EngineEvent): void {
    if (ev.type === 'run_log') {
      // a run's log lines go to listeners (the run drawer's log) only: kept in the window they
      // would push out the events the graph, narration and connect progress read
      this.lastLogId = ev.id;
      for (const fn of this.eventListeners) fn(ev);
      return;
    }
    const events = this.snapshot.events.length >= KEEP ? this.snapshot.events.slice(-KEEP + 1) : this.snapshot.events.slice();
    events.push(ev);
    this.snapshot = { ...this.snapshot, events, lastEventAt: Date.now() };
    for (const fn of this.eventListeners) fn(ev);
    this.emit();
  }

  setStatus(status: LiveStatus, retryInMs?: number): void {
    if (status === this.snapshot.status && retryInMs === this.snapshot.retryInMs) return;
    this.snapshot = { ...this.snapshot, status, retryInMs };
    this.emit();
  }

  lastId(): number | null {
    const e = this.snapshot.events;
    const last = e.length ? e[e.length - 1].id : null;
    return last === null ? this.lastLogId : this.lastLogId === null ? last : Math.max(last, this.lastLogId);
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
  }
}
