import { IconHexagon } from '@tabler/icons-react';
import type { NodeProps } from '@xyflow/react';
import type { EntityNode as Entity } from '../../../api/types';
import type { GraphNode } from '../transform';
import { NodeShell } from './NodeShell';
import { compact } from '../format';

/** Ontology entities are pills with an icon. */
export function EntityNode({ data }: NodeProps<GraphNode<Entity>>) {
  const n = data.node;
  return (
    <NodeShell data={data} className="dcl-entity">
      <IconHexagon size={18} stroke={1.8} aria-hidden />
      <span className="dcl-label" title={n.label}>{n.label}</span>
      <span className="dcl-count">{compact(n.rows)}</span>
    </NodeShell>
  );
}
