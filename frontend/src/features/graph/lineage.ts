/**
 * Local lineage: nodes matching a query (node label, entity field, source name) and every node
 * upstream and downstream of them, so the path source → table → entity → agent lights up.
 * (GET /dcl/lineage?q= will add field-level paths; this works on /dcl/state alone.)
 */
import type { DclState } from '../../api/types';

export function lineage(state: DclState, query: string): Set<string> | null {
  const q = query.trim().toLowerCase();
  if (!q) return null;
  const [entityPart, fieldPart] = q.includes('.') ? q.split('.', 2) : [q, ''];
  const seeds = state.graph.nodes.filter((n) => {
    const label = n.label.toLowerCase();
    const short = n.id.split(':').slice(1).join(':').toLowerCase();
    if (fieldPart) {
      return n.kind === 'entity' && label === entityPart && Array.isArray(n.fields) && n.fields.some((f) => f.toLowerCase().includes(fieldPart));
    }
    if (label.includes(q) || short.includes(q)) return true;
    return n.kind === 'entity' && Array.isArray(n.fields) && n.fields.some((f) => f.toLowerCase() === q);
  });
  if (!seeds.length) return new Set();
  const down = new Map<string, string[]>();
  const up = new Map<string, string[]>();
  for (const e of state.graph.edges) {
    (down.get(e.source) ?? down.set(e.source, []).get(e.source)!).push(e.target);
    (up.get(e.target) ?? up.set(e.target, []).get(e.target)!).push(e.source);
  }
  const out = new Set<string>();
  const walk = (start: string, adj: Map<string, string[]>) => {
    const stack = [start];
    while (stack.length) {
      const id = stack.pop()!;
      for (const next of adj.get(id) ?? []) {
        if (!out.has(next)) {
          out.add(next);
          stack.push(next);
        }
      }
    }
  };
  for (const s of seeds) {
    out.add(s.id);
    walk(s.id, down);
    walk(s.id, up);
  }
  return out;
}
