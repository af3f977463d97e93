import { createContext, useEffect, useMemo, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { refreshOnce } from '../../api/http';
import { LiveConnection } from './liveConnection';
import { LiveStore } from './liveStore';
import { STATE_CHANGING } from './flowActivity';

export const LiveContext = createContext<LiveStore | null>(null);

// a run that starts or ends changes the Runs page and a schedule's last result (a scheduled tick
// starts runs nobody clicked for): refetch those at once instead of at their next poll
const RUN_LISTS = [['runs'], ['tasks'], ['schedule'], ['schedules']] as const;

/**
 * Owns the /ws/events connection for the signed-in console (cookie auth, same origin) and
 * refetches /dcl/state when an event changes the graph (and the run lists when a run starts or ends). `enabled=false` (demo preview, signed
 * out) keeps the store without a socket.
 */
export function LiveEventsProvider({ children, enabled = true }: { children: ReactNode; enabled?: boolean }) {
  const store = useMemo(() => new LiveStore(), []);
  const qc = useQueryClient();

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = store.onEvent((ev) => {
      if (ev.type === 'run_started' || ev.type === 'run_finished') {
        for (const queryKey of RUN_LISTS) void qc.invalidateQueries({ queryKey: [...queryKey] });
      }
      if (!STATE_CHANGING.has(ev.type)) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => qc.invalidateQueries({ queryKey: ['dcl'] }), 300);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [store, qc]);

  useEffect(() => {
    if (!enabled) return;
    const conn = new LiveConnection({
      since: store.lastId() ?? undefined,
      onEvent: (ev) => store.push(ev),
      onStatus: (s, info) => store.setStatus(s, info.retryInMs),
      refreshSession: (openedAt) => refreshOnce(openedAt),
    });
    conn.start();
    return () => conn.stop();
  }, [enabled, store]);

  return <LiveContext.Provider value={store}>{children}</LiveContext.Provider>;
}
