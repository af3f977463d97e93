/**
 * Every edge of the graph in one SVG under the nodes (React Flow's viewport portal, so it pans
 * and zooms with them). React Flow's own edges cost an <svg>, three store subscriptions and two
 * states each: at 500 nodes (860 edges) half the time to the first paint. The graph's edges are
 * not interactive (not focusable, no click), so nothing is lost; the drawing is the same: end
 * points on the nodes' declared handles (transform.ts nodeHandles), React Flow's bezier curve.
 *
 * A data-flow edge: width by rows, colour by confidence, dashed for source → table; while a run
 * moves data along it a dashed pulse runs over it (CSS, compositor-friendly), fading out ~2 s
 * after the last event touching it.
 */
import { memo, useMemo } from 'react';
import { getBezierPath, Position, ViewportPortal } from '@xyflow/react';
import type { GraphEdge, GraphEdgeData, GraphNode } from './transform';

/** Where an edge leaves `from` (its out handle) and enters `to` (its in handle). */
export function edgeEnds(from: GraphNode, to: GraphNode): { sx: number; sy: number; tx: number; ty: number } {
  const out = from.handles?.find((h) => h.type === 'source');
  const into = to.handles?.find((h) => h.type === 'target');
  return {
    sx: from.position.x + (out ? out.x + (out.width ?? 0) / 2 : (from.width ?? 0) / 2),
    sy: from.position.y + (out ? out.y + (out.height ?? 0) : from.height ?? 0),
    tx: to.position.x + (into ? into.x + (into.width ?? 0) / 2 : (to.width ?? 0) / 2),
    ty: to.position.y + (into ? into.y : 0),
  };
}

/** React Flow's bezier from the bottom of `from` to the top of `to`. */
export function edgePath(from: GraphNode, to: GraphNode): string {
  const { sx, sy, tx, ty } = edgeEnds(from, to);
  return getBezierPath({ sourceX: sx, sourceY: sy, sourcePosition: Position.Bottom, targetX: tx, targetY: ty, targetPosition: Position.Top })[0];
}

const Edge = memo(function Edge({ id, d, data, label }: { id: string; d: string; data: GraphEdgeData; label?: string }) {
  const { look, active, dimmed } = data;
  const cls = ['dcl-edge', look.hierarchy ? 'is-hierarchy' : 'is-flow', active ? `is-${active}` : '', dimmed ? 'is-dimmed' : '']
    .filter(Boolean)
    .join(' ');
  return (
    <g className={cls} data-testid={`edge-${id}`} role="img" aria-roledescription="edge" aria-label={label}>
      <path
        className="react-flow__edge-path"
        d={d}
        fill="none"
        style={{ stroke: look.stroke, strokeWidth: look.strokeWidth, strokeDasharray: look.dashed ? '4 4' : undefined }}
      />
      {active && (
        <path
          className="dcl-edge-pulse"
          d={d}
          fill="none"
          stroke={look.hierarchy ? '#495057' : look.stroke}
          strokeWidth={Math.max(2, look.strokeWidth)}
          strokeLinecap="round"
        />
      )}
    </g>
  );
});

/** `nodes`: the laid-out nodes (their positions); `edges`: with their live state (active, dimmed). */
export function EdgeLayer({ nodes, edges }: { nodes: GraphNode[]; edges: GraphEdge[] }) {
  // the curves follow the layout only; an edge's live state does not move it
  const paths = useMemo(() => {
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const out = new Map<string, string>();
    for (const e of edges) {
      const from = byId.get(e.source);
      const to = byId.get(e.target);
      if (from && to) out.set(`${e.source}\u0000${e.target}`, edgePath(from, to));
    }
    return out;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [nodes]);
  return (
    <ViewportPortal>
      <svg className="dcl-edges" width={1} height={1}>
        {edges.map((e) => {
          const d = paths.get(`${e.source}\u0000${e.target}`);
          return d && e.data ? <Edge key={e.id} id={e.id} d={d} data={e.data} label={e.ariaLabel} /> : null;
        })}
      </svg>
    </ViewportPortal>
  );
}
