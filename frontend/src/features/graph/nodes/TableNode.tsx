import { IconTable } from '@tabler/icons-react';
import type { NodeProps } from '@xyflow/react';
import type { GraphNode } from '../transform';
import { NodeShell } from './NodeShell';
import { compact } from '../format';

export function TableNode({ data }: NodeProps<GraphNode>) {
  const n = data.node;
  return (
    <NodeShell data={data} className={`dcl-table${n.entity ? '' : ' is-unmapped'}`}>
      <IconTable size={16} stroke={1.6} aria-hidden />
      <span className="dcl-label" title={n.label}>{n.label}</span>
      <span className="dcl-count">{compact(n.rows)}</span>
      {!!n.review && <span className="dcl-badge dcl-badge-review" title={`${n.review} to review`}>{n.review}</span>}
    </NodeShell>
  );
}
