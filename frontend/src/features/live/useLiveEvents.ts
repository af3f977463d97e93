import { useContext, useEffect, useRef, useSyncExternalStore } from 'react';
import type { EngineEvent } from '../../api/types';
import { LiveContext } from './LiveEventsProvider';
import type { LiveSnapshot, LiveStore } from './liveStore';

const EMPTY: LiveSnapshot = { events: [], status: 'closed', lastEventAt: null };
const noop = () => () => {};

export function useLiveStore(): LiveStore | null {
  return useContext(LiveContext);
}

/** The live event stream: recent events, connection status, time of the last event. */
export function useLiveEvents(): LiveSnapshot {
  const store = useContext(LiveContext);
  return useSyncExternalStore(store ? store.subscribe : noop, store ? store.getSnapshot : () => EMPTY);
}

/** Call `fn` for every new event (no re-render per event). */
export function useEventListener(fn: (ev: EngineEvent) => void): void {
  const store = useContext(LiveContext);
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => (store ? store.onEvent((ev) => ref.current(ev)) : undefined), [store]);
}
