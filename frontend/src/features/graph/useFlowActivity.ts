import { useCallback, useEffect, useRef, useState } from 'react';
import type { EngineEvent } from '../../api/types';
import { eventActivity, touches, type Touch } from '../live/flowActivity';
import { useEventListener } from '../live/useLiveEvents';
import type { NodeFlags } from './transform';

export const ACTIVE_MS = 2000;
export const FADE_MS = 600;
const FRESH_MS = 10_000;

export interface FlowActivity {
  edges: Map<string, 'on' | 'fading'>;
  flags: Map<string, NodeFlags>;
}

/**
 * Live animation state from the event stream: an edge is 'on' for ACTIVE_MS after the last event
 * that touched it, then 'fading' for FADE_MS (the CSS fades it), then idle. One timer, set for
 * the next expiry, drives it.
 */
export function useFlowActivity(edgeList: { id: string; source: string; target: string }[]): FlowActivity {
  const until = useRef(new Map<string, number>());
  const flagsRef = useRef(new Map<string, NodeFlags & { freshUntil?: number }>());
  const edgesRef = useRef(edgeList);
  edgesRef.current = edgeList;
  const [state, setState] = useState<FlowActivity>({ edges: new Map(), flags: new Map() });
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const recompute = useCallback(() => {
    const now = Date.now();
    const edges = new Map<string, 'on' | 'fading'>();
    let next = Infinity;
    for (const [id, t] of until.current) {
      if (now < t) {
        edges.set(id, 'on');
        next = Math.min(next, t);
      } else if (now < t + FADE_MS) {
        edges.set(id, 'fading');
        next = Math.min(next, t + FADE_MS);
      } else until.current.delete(id);
    }
    const flags = new Map<string, NodeFlags>();
    for (const [id, f] of flagsRef.current) {
      const fresh = !!f.freshUntil && now < f.freshUntil;
      if (f.freshUntil && fresh) next = Math.min(next, f.freshUntil);
      if (fresh || f.drift || f.fault) flags.set(id, { drift: f.drift, fault: f.fault, fresh });
    }
    setState({ edges, flags });
    if (timer.current) clearTimeout(timer.current);
    timer.current = Number.isFinite(next) ? setTimeout(recompute, Math.max(16, next - now)) : null;
  }, []);

  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);

  const pending = useRef<number | null>(null);
  const onEvent = useCallback(
    (ev: EngineEvent) => {
      if (ev.type === 'run_started') flagsRef.current.clear();
      const act = eventActivity(ev);
      const now = Date.now();
      if (act.touches.length) {
        const list: Touch[] = act.touches;
        for (const e of edgesRef.current) if (touches(e, list)) until.current.set(e.id, now + ACTIVE_MS);
      }
      for (const { node, flag } of act.flags) {
        const f = flagsRef.current.get(node) ?? {};
        if (flag === 'fresh') f.freshUntil = now + FRESH_MS;
        else f[flag] = true;
        flagsRef.current.set(node, f);
      }
      // bursts of events coalesce into one render per frame
      if (pending.current == null) {
        pending.current = requestAnimationFrame(() => {
          pending.current = null;
          recompute();
        });
      }
    },
    [recompute],
  );
  useEventListener(onEvent);
  return state;
}
