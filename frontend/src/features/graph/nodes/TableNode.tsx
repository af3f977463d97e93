import type { NodeProps } from '@xyflow/react';
import type { TableNode as Table } from '../../../api/types';
import type { GraphNode } from '../transform';
import { NodeShell } from './NodeShell';
import { compact } from '../format';

/** A source table; its icon (Tabler's "table") is drawn by CSS (graph.css), one element less per node. */
export function TableNode({ data }: NodeProps<GraphNode<Table>>) {
  const n = data.node;
  return (
    <NodeShell data={data} className={`dcl-table${n.entity ? '' : ' is-unmapped'}`}>
      <span className="dcl-label" title={n.label}>{n.label}</span>
      <span className="dcl-count">{compact(n.rows)}</span>
      {!!n.review && <span className="dcl-badge dcl-badge-review" title={`${n.review} to review`}>{n.review}</span>}
    </NodeShell>
  );
}
