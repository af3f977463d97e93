/**
 * Dev/preview only: replays the recorded demo run (fixtures/demo-events.json) into the live
 * store with its real pacing (compressed), so the graph animates without a server.
 */
import type { EngineEvent } from '../../api/types';
import type { LiveStore } from './liveStore';

export async function replayDemo(store: LiveStore, opts: { speed?: number; maxGapMs?: number } = {}): Promise<() => void> {
  const { default: events } = (await import('../graph/fixtures/demo-events.json')) as { default: EngineEvent[] };
  const speed = opts.speed ?? 1;
  const maxGap = opts.maxGapMs ?? 250;
  const offset = (store.lastId() ?? 0) + 1 - events[0].id;
  let cancelled = false;
  const timers: ReturnType<typeof setTimeout>[] = [];
  let at = 0;
  events.forEach((ev, i) => {
    if (i > 0) at += Math.min(maxGap, Math.max(40, ((ev.ts - events[i - 1].ts) * 1000) / speed));
    timers.push(setTimeout(() => !cancelled && store.push({ ...ev, id: ev.id + offset, ts: Date.now() / 1000 }), at));
  });
  return () => {
    cancelled = true;
    timers.forEach(clearTimeout);
  };
}
