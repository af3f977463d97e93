/**
 * Which parts of the graph an event touches: pairs of node ids (null = any), so an edge lights up
 * while data moves along it, plus per-node flags (new source, drift, fault).
 */
import type { EngineEvent } from '../../api/types';
import type { NodeFlags } from '../graph/transform';

export type Touch = [string | null, string | null];

export interface Activity {
  touches: Touch[];
  flags: { node: string; flag: keyof NodeFlags }[];
}

export function eventActivity(ev: EngineEvent): Activity {
  const d = ev.data ?? {};
  const s = d.source != null ? String(d.source) : null;
  const t = d.table != null ? String(d.table) : null;
  const out: Activity = { touches: [], flags: [] };
  switch (ev.type) {
    case 'stage_progress':
      if (s && t) out.touches.push([`source:${s}`, `table:${s}.${t}`]);
      else if (s) out.touches.push([`source:${s}`, null]);
      break;
    case 'mapping_proposed':
      if (s && t && d.entity) out.touches.push([`table:${s}.${t}`, `entity:${d.entity}`]);
      break;
    case 'views_published':
      for (const e of (d.entities as string[] | undefined) ?? []) out.touches.push([null, `entity:${e}`]);
      break;
    case 'agent_finished':
      if (d.agent) out.touches.push([null, `agent:${d.agent}`]);
      if (d.agent && d.status && d.status !== 'ok') out.flags.push({ node: `agent:${d.agent}`, flag: 'fault' });
      break;
    case 'review_decided':
      if (s && t && d.entity) out.touches.push([`table:${s}.${t}`, `entity:${d.entity}`]);
      break;
    case 'new_source':
      if (s) out.flags.push({ node: `source:${s}`, flag: 'fresh' });
      break;
    case 'schema_drift':
      if (s && t) out.flags.push({ node: `table:${s}.${t}`, flag: 'drift' });
      break;
    case 'fault':
      if (s && t) out.flags.push({ node: `table:${s}.${t}`, flag: 'fault' });
      else if (s) out.flags.push({ node: `source:${s}`, flag: 'fault' });
      break;
    default:
      break;
  }
  return out;
}

export function touches(edge: { source: string; target: string }, list: Touch[]): boolean {
  for (const [a, b] of list) {
    if ((a === null || a === edge.source) && (b === null || b === edge.target)) return true;
  }
  return false;
}

/** Events that change what /dcl/state returns: refetch the graph after them. */
export const STATE_CHANGING = new Set(['new_source', 'source_removed', 'schema_drift', 'views_published', 'agent_finished', 'review_decided', 'run_finished']);
