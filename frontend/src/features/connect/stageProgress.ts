/**
 * Per-stage progress of a connection from its events: Connect counts sources checked,
 * Normalize counts tables typed, Unify is done once views are published, Agents once each agent
 * has finished.
 */
import type { EngineEvent } from '../../api/types';

export interface StageProgress {
  key: 'connect' | 'normalize' | 'unify' | 'agents';
  label: string;
  done: number;
  total: number;
}

export function stageProgress(events: EngineEvent[]): StageProgress[] {
  // only the latest run counts
  let start = -1;
  for (let i = events.length - 1; i >= 0; i--) if (events[i].type === 'run_started') { start = i; break; }
  const run = start >= 0 ? events.slice(start) : [];
  const sources = Array.isArray(run[0]?.data.sources) ? (run[0].data.sources as unknown[]).length : 0;
  const checked = new Set<string>();
  const tablesSeen = new Set<string>();
  const tablesDone = new Set<string>();
  let published = false;
  let agentsDone = 0;
  let agentsTotal = 0;
  for (const ev of run) {
    const d = ev.data;
    if (ev.type === 'stage_progress' && d.stage === 'connect' && d.source) {
      checked.add(String(d.source));
      if (d.table) tablesSeen.add(`${d.source}.${d.table}`);
    }
    if (ev.type === 'stage_progress' && d.stage === 'normalize' && d.table) tablesDone.add(`${d.source}.${d.table}`);
    if (ev.type === 'views_published') published = true;
    if (ev.type === 'agent_finished') agentsDone += 1;
    if (ev.type === 'run_finished') {
      const stats = (d.stats ?? {}) as { agents?: Record<string, unknown> };
      agentsTotal = Object.keys(stats.agents ?? {}).length;
    }
  }
  return [
    { key: 'connect', label: 'Connect', done: checked.size, total: Math.max(sources, checked.size) },
    { key: 'normalize', label: 'Normalize', done: tablesDone.size, total: Math.max(tablesSeen.size, tablesDone.size) },
    { key: 'unify', label: 'Unify', done: published ? 1 : 0, total: 1 },
    { key: 'agents', label: 'Agents', done: agentsDone, total: Math.max(agentsTotal, agentsDone) },
  ];
}
