import { useCallback, useEffect, useRef, useState } from 'react';
import { api, unwrap, type Schemas } from '../../api/client';
import { useEventListener, useLiveEvents } from '../live/useLiveEvents';

/** One line of a run's log (GET /api/v1/runs/{id}/logs). */
export type LogLine = Schemas['RunLogLine'];

const PAGE = 500;

export interface RunLogState {
  lines: LogLine[];
  /** the run has finished and its last line is here: nothing more will come */
  complete: boolean;
  /** how new lines arrive while the run is in progress */
  mode: 'live' | 'polling' | 'done';
  error: unknown;
  loading: boolean;
}

/**
 * The log of run `id`, kept and followed by seq: every page after the last line seen, fetched
 * again on each /ws/events event of the run (the socket says something happened; the route says
 * what, in one shape), and every `pollMs` while the socket is not open, until the run is complete.
 * Mount it once per run id (`key={id}`): its cursor and lines belong to that run.
 */
export function useRunLog(id: string, pollMs = 3000): RunLogState {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [complete, setComplete] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const after = useRef(0);
  const inFlight = useRef(false);
  const again = useRef(false);
  const alive = useRef(true);
  const done = useRef(false);
  const { status } = useLiveEvents();

  const fetchMore = useCallback(async () => {
    if (done.current) return;
    if (inFlight.current) {
      again.current = true; // an event arrived meanwhile: read once more when this read ends
      return;
    }
    inFlight.current = true;
    try {
      for (;;) {
        const page = await unwrap(api.GET('/api/v1/runs/{run_id}/logs', {
          params: { path: { run_id: id }, query: { after: after.current, limit: PAGE } },
        }));
        if (!alive.current) return;
        after.current = page.next_after;
        if (page.items.length) setLines((prev) => prev.concat(page.items));
        if (page.complete) {
          done.current = true;
          setComplete(true);
          break;
        }
        if (page.items.length < PAGE && !again.current) break;
        again.current = false;
      }
      setError(null);
    } catch (e) {
      if (alive.current) setError(e);
    } finally {
      inFlight.current = false;
      if (alive.current) setLoading(false);
    }
  }, [id]);

  useEffect(() => {
    alive.current = true;
    after.current = 0;
    done.current = false;
    setLines([]);
    setComplete(false);
    setLoading(true);
    void fetchMore();
    return () => {
      alive.current = false;
    };
  }, [fetchMore]);

  useEventListener((ev) => {
    if (ev.run_id === id && !done.current) void fetchMore();
  });

  const live = status === 'open';
  useEffect(() => {
    if (complete) return;
    // the socket is down: poll; while it is up, a slow poll still catches a missed event
    const timer = setInterval(() => void fetchMore(), live ? pollMs * 5 : pollMs);
    return () => clearInterval(timer);
  }, [complete, live, pollMs, fetchMore]);

  return { lines, complete, mode: complete ? 'done' : live ? 'live' : 'polling', error, loading };
}
