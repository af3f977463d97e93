/**
 * A synthetic /dcl/state of any size with the demo's shape (sources → tables → entities →
 * agents), seeded so benchmarks and tests are repeatable.
 */
import type { DclEdge, DclNode, DclState } from '../../api/types';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const ICONS = ['salesforce', 'hubspot', 'stripe', 'erp', 'database', 'aws', 'csv', 'sql'];

export function syntheticState(total = 500, seed = 42): DclState {
  const rand = rng(seed);
  const nSources = Math.max(1, Math.round(total * 0.06));
  const nEntities = Math.max(1, Math.round(total * 0.05));
  const nAgents = Math.max(1, Math.round(total * 0.02));
  const nTables = Math.max(1, total - nSources - nEntities - nAgents);
  const nodes: DclNode[] = [];
  const edges: DclEdge[] = [];
  for (let i = 0; i < nSources; i++) {
    const icon = ICONS[i % ICONS.length];
    nodes.push({ id: `source:s${i}`, layer: 0, kind: 'source', label: `${icon} ${i}`, name: `s${i}`, connector: icon, icon, status: 'ok' });
  }
  const entities = Array.from({ length: nEntities }, (_, i) => `entity_${i}`);
  const entityRows = new Map<string, number>();
  for (let i = 0; i < nTables; i++) {
    const s = Math.floor(rand() * nSources);
    const rows = Math.floor(10 ** (1 + rand() * 5));
    const entity = rand() < 0.9 ? entities[Math.floor(rand() * nEntities)] : null;
    const id = `table:s${s}.t${i}`;
    nodes.push({ id, layer: 1, kind: 'table', label: `table_${i}`, source: `s${s}`, rows, rejected: Math.floor(rand() * 3), fields: 5 + Math.floor(rand() * 20), entity, review: Math.floor(rand() * 2) });
    edges.push({ id: `h:s${s}:t${i}`, source: `source:s${s}`, target: id, type: 'hierarchy', rows });
    if (entity) {
      edges.push({ id: `d:s${s}.t${i}:${entity}`, source: id, target: `entity:${entity}`, type: 'dataflow', rows, mapped_fields: 3 + Math.floor(rand() * 10), confidence: 0.6 + rand() * 0.4 });
      entityRows.set(entity, (entityRows.get(entity) ?? 0) + rows);
    }
  }
  for (const e of entities) {
    nodes.push({ id: `entity:${e}`, layer: 2, kind: 'entity', label: e, rows: entityRows.get(e) ?? 0, fields: ['id', 'name', 'created_at'] });
  }
  for (let a = 0; a < nAgents; a++) {
    const consumes = entities.filter(() => rand() < 0.3).slice(0, 4);
    if (!consumes.length) consumes.push(entities[a % nEntities]);
    nodes.push({ id: `agent:a${a}`, layer: 3, kind: 'agent', label: `Agent ${a}`, name: `a${a}`, consumes, status: 'ok', summary: null });
    for (const e of consumes) edges.push({ id: `d:${e}:a${a}`, source: `entity:${e}`, target: `agent:a${a}`, type: 'dataflow', rows: entityRows.get(e) ?? 0 });
  }
  const sum = (k: 'rows' | 'rejected') => nodes.filter((n) => n.kind === 'table').reduce((s, n) => s + n[k], 0);
  return {
    graph: { nodes, edges },
    summary: { sources: nSources, tables: nTables, entities: nEntities, agents: nAgents, rows: sum('rows'), rejected: sum('rejected'), mapped_fields: 0, review: 0 },
  };
}
