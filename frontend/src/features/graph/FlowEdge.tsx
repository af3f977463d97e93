import { BaseEdge, getBezierPath, type EdgeProps } from '@xyflow/react';
import type { GraphEdge } from './transform';

/**
 * A data-flow edge: width by rows, colour by confidence, dashed for source → table; while a run
 * moves data along it a dashed pulse runs over it (CSS, compositor-friendly), fading out ~2 s
 * after the last event touching it. No invisible hit path (edges are not clickable): half the
 * SVG paths on a 500-node graph.
 */
export function FlowEdge(props: EdgeProps<GraphEdge>) {
  const { sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, data, id, markerEnd } = props;
  const [path] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  if (!data) return null;
  const { look, active, dimmed } = data;
  const cls = ['dcl-edge', look.hierarchy ? 'is-hierarchy' : 'is-flow', active ? `is-${active}` : '', dimmed ? 'is-dimmed' : '']
    .filter(Boolean)
    .join(' ');
  return (
    <g className={cls} data-testid={`edge-${id}`}>
      <BaseEdge
        id={id}
        path={path}
        markerEnd={markerEnd}
        interactionWidth={0}
        style={{ stroke: look.stroke, strokeWidth: look.strokeWidth, strokeDasharray: look.dashed ? '4 4' : undefined }}
      />
      {active && (
        <path
          className="dcl-edge-pulse"
          d={path}
          fill="none"
          stroke={look.hierarchy ? '#495057' : look.stroke}
          strokeWidth={Math.max(2, look.strokeWidth)}
          strokeLinecap="round"
        />
      )}
    </g>
  );
}
